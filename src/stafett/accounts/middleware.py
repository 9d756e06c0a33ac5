"""Session lifetime (idle and absolute expiry) and the staff second factor."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

SESSION_AUTH_AT = "stafett_auth_at"
SESSION_SEEN_AT = "stafett_seen_at"
# Where to go after the log-in steps (a local path, checked again before use).
SESSION_NEXT = "stafett_login_next"


class SessionLifetimeMiddleware:
    """Log out after 30 minutes idle or 12 hours in all (settings).

    A deactivated user's session already ends at the next request: Django's
    ModelBackend refuses inactive users when it loads the session's user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            auth_at = request.session.get(SESSION_AUTH_AT)
            seen_at = request.session.get(SESSION_SEEN_AT, auth_at)
            idle = settings.STAFETT_SESSION_IDLE_MINUTES * 60
            absolute = settings.STAFETT_SESSION_ABSOLUTE_HOURS * 3600
            if auth_at is None or now - auth_at > absolute or now - (seen_at or 0) > idle:
                logout(request)
                request.session["stafett_expired"] = True
            elif now - (seen_at or 0) > 30:
                # Writing the session at most every 30 s keeps idle expiry exact enough.
                request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Staff who passed the password step but not the one-time code go to the code page."""

    ALLOWED_PREFIXES = (
        "/login",
        "/logout",
        "/static/",
        "/healthz",
        "/readyz",
        "/i18n/",
        "/public/",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff_member
            and not user.is_verified()
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            if request.method == "GET" and "HTTP_HX_REQUEST" not in request.META:
                # Come back here once the code is typed.
                request.session[SESSION_NEXT] = request.get_full_path()
            return redirect("accounts:code")
        return self.get_response(request)
