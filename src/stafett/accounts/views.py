"""Local log-in: password, then a one-time code (TOTP) for staff.

Every view here is `@public`: a person who is not (fully) logged in must reach them.
Each checks who is asking itself: the code and enrolment pages only serve a staff
member who has passed the password step but not yet the one-time code.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import PasswordResetConfirmView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.forms import LOGIN_ERROR_ID, CodeForm, LoginForm, NewPasswordForm
from stafett.accounts.login_failures import record_failed_login
from stafett.accounts.middleware import SESSION_NEXT
from stafett.accounts.models import User
from stafett.audit.log import client_ip, record_access
from stafett.audit.models import AccessLogEntry
from stafett.policy import public

SESSION_EXPIRED = "stafett_expired"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _safe_next(request: HttpRequest, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _home() -> str:
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pop_next(request: HttpRequest) -> str:
    stored = request.session.pop(SESSION_NEXT, None)
    return _safe_next(request, stored) or _home()


def _role_of(user: User) -> str:
    return "staff" if user.is_staff_member else "citizen"


def _record(
    request: HttpRequest,
    *,
    action: str,
    user: User,
    outcome: str,
    reason: str = "",
) -> None:
    """One access-log row for a log-in event of a known account. Never the password.
    (Failed passwords are counted in accounts.login_failures instead.)"""
    record_access(
        actor=user,
        action=action,
        obj=user,
        object_type="User",
        role=_role_of(user),
        reason=reason,
        outcome=outcome,
        request=request,
        municipality_id=user.municipality_id,
    )


def _confirmed_device(user: User) -> TOTPDevice | None:
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    )
    return device


def _needs_second_factor(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_staff_member and not user.is_verified())


def _wait_seconds(info: dict[str, Any] | None) -> int:
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return 1
    remaining: timedelta = locked_until - timezone.now()
    return max(1, math.ceil(remaining.total_seconds()))


def _check_code(request: HttpRequest, form: CodeForm, device: TOTPDevice) -> TOTPDevice | None:
    """Verify the typed code against the device, with the device's own throttling.

    Returns the (fresh) device on success; on failure adds a clear error to the form
    and writes "login.code_failed" to the access log.
    """
    user: User = request.user  # type: ignore[assignment]
    code: str = form.cleaned_data["code"]
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            seconds = _wait_seconds(info)
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes in a row. Wait %(seconds)s second, "
                    "then type the code your app shows at that time.",
                    "Too many wrong codes in a row. Wait %(seconds)s seconds, "
                    "then type the code your app shows at that time.",
                    seconds,
                )
                % {"seconds": seconds},
            )
            _record(
                request,
                action="login.code_failed",
                user=user,
                outcome=AccessLogEntry.Outcome.FAILED,
                reason="throttled",
            )
            return None
        if device.verify_token(code):
            return device
    # verify_token has saved the failure count; log the failure after its transaction.
    form.add_error(
        "code",
        _(
            "That code is not right. Check that your phone shows the right time, "
            "wait for a new code and try again."
        ),
    )
    _record(
        request,
        action="login.code_failed",
        user=user,
        outcome=AccessLogEntry.Outcome.FAILED,
    )
    return None


def _finish_second_factor(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    otp_login(request, device)
    # A new session key once the person is fully logged in.
    request.session.cycle_key()
    _record(
        request,
        action="login.succeeded",
        user=user,
        outcome=AccessLogEntry.Outcome.ALLOWED,
        reason="password and one-time code",
    )
    return redirect(_pop_next(request))


def demo_code_hint(user: User, device: TOTPDevice) -> str | None:
    """In demo mode, the code a demo persona can type now (never for real accounts)."""
    if not (settings.STAFETT_DEMO and user.is_demo):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        # This code was just used; the next one is accepted too (tolerance 1).
        totp.time = totp.time + device.step
    return str(totp.token()).zfill(device.digits)


# ---------------------------------------------------------------------------
# Password step
# ---------------------------------------------------------------------------


@public
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    user = request.user
    if user.is_authenticated:
        if _needs_second_factor(user):
            return redirect("accounts:code")
        return redirect(next_url or _home())

    expired = bool(request.session.pop(SESSION_EXPIRED, False))
    form = LoginForm(request.POST if request.method == "POST" else None)
    failed = False
    if request.method == "POST" and form.is_valid():
        username: str = form.cleaned_data["username"]
        authenticated = authenticate(
            request=request, username=username, password=form.cleaned_data["password"]
        )
        if authenticated is None:
            locked = bool(getattr(request, "axes_locked_out", False))
            # Counted per username, address and window, outside the access log.
            record_failed_login(typed_username=username, address=client_ip(request), locked=locked)
            if locked:
                return locked_out_response(request)
            failed = True
            form.mark_failed()
        else:
            return _password_accepted(request, authenticated, next_url)  # type: ignore[arg-type]

    context: dict[str, Any] = {
        "form": form,
        "failed": failed,
        "login_error_id": LOGIN_ERROR_ID,
        "expired": expired,
        "next": next_url or "",
        # Issue 13: ID-porten, Feide and Entra ID, for each municipality that uses them.
        "signin_providers": _signin_providers(),
    }
    if settings.STAFETT_DEMO:
        from stafett.demo.personas import DEMO_PASSWORD, PERSONAS

        context["demo_personas"] = PERSONAS
        context["demo_password"] = DEMO_PASSWORD
    return render(request, "accounts/login.html", context)


def _signin_providers() -> list[Any]:
    from stafett.signin.models import Provider

    return list(
        Provider.objects.filter(is_active=True)
        .select_related("municipality")
        .order_by("municipality__name", "kind")
    )


def _password_accepted(request: HttpRequest, user: User, next_url: str | None) -> HttpResponse:
    from stafett.signin.services import may_use_password, record_refused_account

    if not may_use_password(user):
        # Issue 13: the municipality has switched the password log-in off.
        record_refused_account(user=user, reason="password log-in off", request=request)
        form = LoginForm()
        return render(
            request,
            "accounts/login.html",
            {
                "form": form,
                "password_off": True,
                "next": next_url or "",
                "signin_providers": _signin_providers(),
            },
            status=403,
        )
    login(request, user)  # rotates the session key
    if user.is_staff_member:
        if next_url:
            request.session[SESSION_NEXT] = next_url
        _record(
            request,
            action="login.password_accepted",
            user=user,
            outcome=AccessLogEntry.Outcome.ALLOWED,
        )
        if _confirmed_device(user) is None:
            return redirect("accounts:enrol")
        return redirect("accounts:code")
    _record(
        request,
        action="login.succeeded",
        user=user,
        outcome=AccessLogEntry.Outcome.ALLOWED,
        reason="password",
    )
    return redirect(next_url or _home())


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The lock-out page (429), also used by django-axes (AXES_LOCKOUT_CALLABLE)."""
    if original_response is not None and getattr(original_response, "stafett_locked_out", False):
        return original_response
    from axes.helpers import get_cool_off

    cool_off: timedelta = get_cool_off(request) or timedelta(minutes=15)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    until = timezone.localtime(timezone.now() + cool_off)
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "until": until},
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    response.stafett_locked_out = True  # type: ignore[attr-defined]
    return response


# ---------------------------------------------------------------------------
# One-time code and enrolment (staff)
# ---------------------------------------------------------------------------


@public
@never_cache
@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if not _needs_second_factor(user):
        return redirect(_pop_next(request))
    assert isinstance(user, User)
    device = _confirmed_device(user)
    if device is None:
        return redirect("accounts:enrol")

    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        verified = _check_code(request, form, device)
        if verified is not None:
            return _finish_second_factor(request, verified)
        device.refresh_from_db()
    return render(
        request,
        "accounts/code.html",
        {"form": form, "demo_code": demo_code_hint(user, device)},
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if not _needs_second_factor(user):
        return redirect(_pop_next(request))
    assert isinstance(user, User)
    if _confirmed_device(user) is not None:
        # Enrolment is only for a first device; a new one is set up by an administrator.
        return redirect("accounts:code")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Stafett", confirmed=False)

    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        verified = _check_code(request, form, device)
        if verified is not None:
            verified.confirmed = True
            verified.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            messages.success(request, _("Your authenticator app is set up."))
            return _finish_second_factor(request, verified)
        device.refresh_from_db()

    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_data_uri": _qr_data_uri(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "demo_code": demo_code_hint(user, device),
        },
    )


def _qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI for an <img> (allowed by the CSP's img-src)."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        border=4,
        box_size=10,
    )
    svg: bytes = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


# ---------------------------------------------------------------------------
# Log-out, setting a password, CSRF failure
# ---------------------------------------------------------------------------


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    from stafett.signin.views import provider_logout

    # Issue 13: also end the provider's session (RP-initiated log-out), when it can.
    at_provider = provider_logout(request)
    logout(request)
    messages.info(request, _("You are logged out."))
    if at_provider:
        return redirect(at_provider)
    return redirect("accounts:login")


class SetPasswordView(PasswordResetConfirmView):
    """The one-time link from the invitation e-mail: choose a password, then log in.

    Django's view moves the token from the URL into the session before showing the
    form, so the token is not left in the address bar or sent on as a referrer.
    """

    template_name = "accounts/set_password.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:login")
    reset_url_token = "new"  # noqa: S105 (a URL placeholder, not a password)

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        if user is None or not user.is_active:
            return None
        return user

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user: User = form.user
        _record(
            self.request,
            action="account.password_set",
            user=user,
            outcome=AccessLogEntry.Outcome.ALLOWED,
        )
        messages.success(
            self.request, _("Your password is saved. Log in with your username and new password.")
        )
        return response


set_password_view: Callable[..., HttpResponse] = public(
    cast("Callable[..., HttpResponse]", SetPasswordView.as_view())
)


@public
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A clear page when a form's security token is missing or wrong (CSRF_FAILURE_VIEW)."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
