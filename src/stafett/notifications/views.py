"""The notification centre, each person's e-mail choices, and the administrator's list
of e-mails that failed. Thin: the policy decides, selectors read, services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from stafett.audit.log import record_accesses
from stafett.notifications import selectors, services
from stafett.notifications.models import (
    FAMILY_KINDS,
    EmailSettings,
    Kind,
    Mode,
    NotificationPreference,
)
from stafett.policy import access_municipality, actor_for, requires


@require_GET
@requires("notification.list")
def centre(request: HttpRequest) -> HttpResponse:
    """The latest notifications; the unread ones are marked, and are read once shown."""
    actor = actor_for(request)
    with transaction.atomic():
        rows = selectors.centre_rows(actor)
        named = {row.child.id: row for row in rows if row.child is not None}
        if named:
            # The child's name is shown: one access-log row per child, as on the home page.
            record_accesses(
                actor=actor.user,
                action="notifications.list",
                objects=[row.child for row in named.values()],
                role_for=lambda child: named[child.id].role,
                reason="notification centre",
                request=request,
            )
    items = [
        {
            "notification": row.notification,
            "sentence": services.sentence(row.notification),
            "unread": row.unread,
            "child": row.child,
            "can_open": row.can_open,
            "consent_page": row.consent_page,
        }
        for row in rows
    ]
    response = render(request, "notifications/centre.html", {"rows": items})
    services.mark_read(
        actor=actor, notification_ids=[row.notification.id for row in rows if row.unread]
    )
    return response


@require_http_methods(["GET", "POST"])
@requires("notification.preferences")
def preferences(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    user = actor.user
    assert user is not None
    if request.method == "POST":
        modes = {
            kind: request.POST[f"mode-{kind}"]
            for kind in Kind.values
            if f"mode-{kind}" in request.POST
        }
        services.set_preferences(
            actor=actor, modes=modes, language=request.POST.get("language", "")
        )
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("notifications:preferences")
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "mode"))
    language = (
        EmailSettings.objects.filter(user=user).values_list("language", flat=True).first() or ""
    )
    kinds = [
        {"value": value, "label": label, "mode": chosen.get(value, Mode.IMMEDIATE)}
        for value, label in Kind.choices
        if user.is_staff_member or value in FAMILY_KINDS
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "kinds": kinds,
            "modes": Mode.choices,
            "email_languages": settings.LANGUAGES,
            "language": language,
        },
    )


@require_GET
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    access_municipality(request, "notification.deliveries")
    deliveries = selectors.troubled_deliveries(actor_for(request))
    return render(request, "notifications/failed_deliveries.html", {"deliveries": deliveries})
