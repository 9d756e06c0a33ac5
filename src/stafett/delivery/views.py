"""The administrator's page for the archive hand-over and Fiks, and "Send through Fiks"
for a report to child welfare. Every view asks the policy (stafett.policy)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stafett.concerns import selectors as concern_selectors
from stafett.delivery import reports, selectors, services
from stafett.delivery.forms import FiksSettingsForm, OfficeForm
from stafett.delivery.models import Transport
from stafett.policy import access_municipality, access_report, actor_for

GET_POST = ["GET", "POST"]


@require_http_methods(GET_POST)
def archive(request: HttpRequest) -> HttpResponse:
    """Settings and the latest hand-overs: status, attempts, steps (metadata only)."""
    municipality = access_municipality(request, "delivery.manage")
    chosen = selectors.settings_of(municipality.id)
    form = FiksSettingsForm(request.POST or None, initial=FiksSettingsForm.initial_from(chosen))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(municipality_id=municipality.id, values=form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The settings are saved."))
            return redirect("delivery:archive")
    context = {
        "municipality": municipality,
        "form": form,
        "deliveries": list(selectors.archive_deliveries(municipality.id)),
        # No transport: closed logs are archived by hand (the package from the log page).
        "by_hand": chosen.archive_transport == Transport.NONE,
    }
    return render(request, "delivery/archive.html", context)


def _report_url(concern: uuid.UUID) -> str:
    from django.urls import reverse

    return reverse("concerns:report", kwargs={"concern": concern})


@require_http_methods(GET_POST)
def report_fiks(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    """Send the finished report through Fiks bekymringsmelding (its author)."""
    actor = actor_for(request)
    with transaction.atomic():
        obj, facts = access_report(request, concern, "report.fiks_send")
        page = concern_selectors.report_page(facts.report)
    configured = reports.fiks_settings(obj.municipality_id) is not None
    email = str(getattr(request.user, "email", "") or "")
    missing = reports.missing_for_fiks(page.latest, email) if configured else []
    offices: list[tuple[str, str]] = []
    problem = ""
    if not configured:
        problem = _("Your municipality has not set up sending reports through Fiks.")
    elif missing:
        problem = _("Before it can go through Fiks, the report needs: %(missing)s.") % {
            "missing": ", ".join(missing)
        }
    else:
        try:
            found = reports.offices_for(obj.municipality_id)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            offices = [(o.number, o.name) for o in found]
    default = next((n for n, _name in offices), "")
    form = OfficeForm(
        request.POST or None, offices=offices, initial={"office": default} if default else None
    )
    if request.method == "POST" and not problem and form.is_valid():
        try:
            reports.send_through_fiks(
                actor=actor, concern=obj, office_number=form.cleaned_data["office"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The report is sent through Fiks. Its status shows in the concern's history."),
            )
            return redirect(_report_url(obj.uuid))
    elif request.method == "POST" and problem:
        messages.error(request, problem)
    context = {"concern": obj, "page": page, "form": form, "problem": problem}
    return render(request, "delivery/report_fiks.html", context)
