"""Let the log-out form lead on to the provider's end_session_endpoint.

Every page's Content-Security-Policy has `form-action 'self'`, and browsers apply it to
the redirects after a form is sent too: the log-out form's redirect to ID-porten's (or
Feide's, or Entra ID's) log-out would be blocked. For a session that logged in with a
provider, and only then, the pages allow that one provider's origin as a form target.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

from stafett.core.middleware import CSP
from stafett.signin.oidc import SESSION_LOGOUT


class ProviderLogoutFormActionMiddleware:
    """Listed after SecurityHeadersMiddleware, so its header is the one kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        data = session.get(SESSION_LOGOUT) if session is not None else None
        endpoint = str(data.get("end_session_endpoint") or "") if isinstance(data, dict) else ""
        parts = urlsplit(endpoint)
        if (
            parts.scheme in {"https", "http"}
            and parts.netloc
            and "Content-Security-Policy" not in response
        ):
            origin = f"{parts.scheme}://{parts.netloc}"
            response["Content-Security-Policy"] = CSP.replace(
                "form-action 'self'", f"form-action 'self' {origin}"
            )
        return response
