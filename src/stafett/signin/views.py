"""Log-in with ID-porten, Feide or Entra ID: start, callback, waiting for approval.

These views are `@public` (a person who is not logged in must reach them). They never
put the national identity number or any claim in a URL, a log line or a page.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.contrib.auth import login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from stafett.accounts.models import User
from stafett.policy import public
from stafett.signin import oidc, services
from stafett.signin.models import LinkRequest, Provider

logger = logging.getLogger(__name__)

SESSION_WAITING = "stafett_oidc_waiting"
BACKEND = "stafett.accounts.backends.StafettBackend"


def _redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("signin:callback"))


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def unavailable(request: HttpRequest, provider: Provider | None) -> HttpResponse:
    """503: the provider does not answer. Nothing was changed; the rest of Stafett works."""
    response = render(
        request,
        "signin/unavailable.html",
        {"provider_name": provider.get_kind_display() if provider else ""},
        status=503,
    )
    response["Retry-After"] = "300"
    return response


def _refusal_text(reason: str, provider: Provider | None) -> str:
    name = provider.get_kind_display() if provider else ""
    if reason == "acr":
        if provider is not None and provider.for_citizens:
            return _(
                "Stafett needs the highest security level in ID-porten. Log in again with "
                "BankID, Buypass or Commfides (not MinID)."
            )
        return _(
            "Stafett needs a stronger log-in than the one you used. Log in again and "
            "confirm with your second factor."
        )
    if reason in {"state", "pkce"}:
        return _(
            "The log-in took too long, or was started in another window or tab. Close the "
            "other windows and start the log-in again from this page."
        )
    if reason == "not_registered":
        return _(
            "You logged in, but the municipality has not registered you in Stafett. Ask "
            "the service that helps your family to register you, then try again."
        )
    if reason == "link_refused":
        return _(
            "The municipality's administrator has not approved this log-in for Stafett. "
            "Ask your leader or the administrator if you think this is wrong."
        )
    if reason == "inactive":
        return _("This account cannot log in. Ask the municipality if you think this is wrong.")
    if reason == "provider_error":
        return _("%(provider)s stopped the log-in. Start again if you want to log in.") % {
            "provider": name
        }
    return _(
        "Stafett could not confirm the answer from %(provider)s, so you are not logged in. "
        "Start the log-in again. If this happens again, contact the municipality."
    ) % {"provider": name or "OpenID Connect"}


def refused(
    request: HttpRequest, reason: str, provider: Provider | None, *, status: int = 403
) -> HttpResponse:
    return render(
        request,
        "signin/refused.html",
        {"message": _refusal_text(reason, provider)},
        status=status,
    )


@public
@never_cache
@require_GET
def start(request: HttpRequest, provider: uuid.UUID) -> HttpResponse:
    """Send the browser to the provider, with PKCE, state and nonce kept in the session."""
    chosen = (
        Provider.objects.select_related("municipality")
        .filter(uuid=provider, is_active=True)
        .first()
    )
    if chosen is None:
        return redirect("accounts:login")
    if request.user.is_authenticated:
        return redirect("home:home")
    next_url = _safe_next(request, request.GET.get("next"))
    try:
        url = oidc.begin(request, chosen, _redirect_uri(request), next_url)
    except oidc.ProviderUnavailable as error:
        logger.warning("Log-in provider %s unavailable: %s", chosen.uuid, error)
        return unavailable(request, chosen)
    except ImproperlyConfigured as error:
        logger.error("Log-in provider %s misconfigured: %s", chosen.uuid, error)
        return unavailable(request, chosen)
    return redirect(url)


@public
@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: check it, then log in, wait for approval, or refuse."""
    params = {key: request.GET.get(key, "") for key in ("state", "code", "error")}
    try:
        done = oidc.finish(request, params)
    except oidc.ProviderUnavailable as error:
        logger.warning("Log-in provider unavailable at the callback: %s", error)
        return unavailable(request, None)
    except ImproperlyConfigured as error:
        logger.error("Log-in provider misconfigured: %s", error)
        return unavailable(request, None)
    except oidc.LoginRefused as refusal:
        # Only the reason's short code is written; never a claim's value.
        logger.info("Provider log-in refused: %s", refusal.reason)
        services.record_refused_login(
            provider=refusal.provider, reason=refusal.reason, request=request
        )
        return refused(request, refusal.reason, refusal.provider)
    if request.user.is_authenticated:
        # Someone already logged in here (another tab): start from a clean session.
        from django.contrib.auth import logout

        logout(request)
    resolved = services.resolve(provider=done.provider, claims=done.claims, request=request)
    if resolved.link is not None:
        return _waiting(request, resolved.link)
    user = resolved.user
    if user is None:
        reason = "not_registered" if done.provider.for_citizens else "provider"
        services.record_refused_login(provider=done.provider, reason=reason, request=request)
        return refused(request, reason, done.provider)
    if not user.is_active or (user.is_demo and not _demo_mode()):
        services.record_refused_account(user=user, reason="inactive", request=request)
        return refused(request, "inactive", done.provider)
    return _log_in(request, user, done, resolved)


def _demo_mode() -> bool:
    from django.conf import settings

    return bool(settings.STAFETT_DEMO)


def _log_in(
    request: HttpRequest, user: User, done: oidc.Completed, resolved: services.Resolved
) -> HttpResponse:
    login(request, user, backend=BACKEND)  # a new session key
    if resolved.device is not None:
        # The provider's log-in (with its own second factor) counts as Stafett's.
        otp_login(request, resolved.device)
    request.session[oidc.SESSION_LOGOUT] = {
        "end_session_endpoint": done.end_session_endpoint,
        "id_token": done.id_token,
    }
    services.record_login(user=user, provider=done.provider, request=request)
    return redirect(_safe_next(request, done.next_url) or reverse("home:home"))


def _waiting(request: HttpRequest, link: LinkRequest) -> HttpResponse:
    if link.status == LinkRequest.Status.REFUSED:
        services.record_refused_login(
            provider=link.provider, reason="link_refused", request=request
        )
        return refused(request, "link_refused", link.provider)
    request.session[SESSION_WAITING] = str(link.uuid)
    return redirect("signin:waiting")


@public
@never_cache
@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    """The staff member whose first log-in waits for the administrator's approval."""
    link_uuid = request.session.get(SESSION_WAITING)
    link = (
        LinkRequest.objects.select_related("municipality", "provider")
        .filter(uuid=link_uuid)
        .first()
        if link_uuid
        else None
    )
    if link is None:
        return redirect("accounts:login")
    return render(request, "signin/waiting.html", {"link": link})


def provider_logout(request: HttpRequest) -> str | None:
    """Before Stafett's log-out: where to send the browser to end the provider's
    session too (RP-initiated log-out), or None."""
    data: dict[str, Any] | None = request.session.get(oidc.SESSION_LOGOUT)
    if not data:
        return None
    return oidc.logout_url(
        {k: str(v) for k, v in data.items()},
        request.build_absolute_uri(reverse("accounts:login")),
    )
