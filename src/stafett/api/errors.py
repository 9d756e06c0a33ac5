"""One JSON format for every error under /api/, and the guard that checks a request's
method, content type, size and nesting before any view runs.

Every error body is `{"status": 404, "code": "not_found", "message": "…", "fields": []}`:
no stack trace, no HTML, whatever went wrong (also a URL that does not exist, a method
that is not declared, a failure in the server)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


class ApiError(Exception):
    """A refusal with a status, a stable code and a clear, translated message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    response = JsonResponse(
        {"status": status, "code": code, "message": message, "fields": fields or []},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_api_error(error: ApiError) -> JsonResponse:
    return error_response(
        error.status, error.code, error.message, fields=error.fields, headers=error.headers
    )


def _generic(status: int) -> tuple[str, str]:
    """The code and message for an error the API did not word itself."""
    if status == 400:
        return "bad_request", _("The request could not be understood.")
    if status == 401:
        return "not_authenticated", _(
            "Log in, or send an integration token as 'Authorization: Bearer <token>'."
        )
    if status == 403:
        return "forbidden", _("You may not do this.")
    if status == 404:
        return "not_found", _("Not found.")
    if status == 405:
        return "method_not_allowed", _("This method is not allowed here.")
    if status == 413:
        return "too_large", _("The request body is too large.")
    if status >= 500:
        return "server_error", _("Something went wrong on the server. Nothing was changed.")
    return "error", _("The request could not be completed.")


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Is `value` nested deeper than `limit` (objects and arrays)? Iterative, so a
    deep document cannot exhaust the stack here."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _media_type(request: HttpRequest) -> tuple[str, str]:
    raw = request.META.get("CONTENT_TYPE", "")
    media, _sep, params = raw.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _eq, value = param.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def check_request(request: HttpRequest) -> ApiError | None:
    """Content type, size, encoding and nesting of a request with a body."""
    if request.method not in BODY_METHODS:
        return None
    limit = settings.STAFETT_API_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return ApiError(
            413,
            "too_large",
            _("The request body is larger than %(limit)s bytes.") % {"limit": limit},
        )
    media, charset = _media_type(request)
    if media != "application/json" or charset not in ("", "utf-8"):
        return ApiError(
            415,
            "unsupported_media_type",
            _("Send the request body as JSON, with 'Content-Type: application/json'."),
        )
    body = request.body
    if len(body) > limit:
        return ApiError(
            413,
            "too_large",
            _("The request body is larger than %(limit)s bytes.") % {"limit": limit},
        )
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return ApiError(400, "invalid_json", _("The request body is not valid UTF-8."))
    except RecursionError:
        return _too_deep()
    except ValueError:
        return ApiError(400, "invalid_json", _("The request body is not valid JSON."))
    if json_depth_exceeds(value, settings.STAFETT_API_MAX_JSON_DEPTH):
        return _too_deep()
    return None


def _too_deep() -> ApiError:
    return ApiError(
        400,
        "too_deeply_nested",
        _("The JSON in the request body is nested too deeply (at most %(depth)s levels).")
        % {"depth": settings.STAFETT_API_MAX_JSON_DEPTH},
    )


def _login_pages() -> tuple[str, ...]:
    return (reverse("accounts:login"), reverse("accounts:code"))


class ApiGuardMiddleware:
    """For /api/ only: refuse bodies that are too large, not JSON or nested too deeply
    before anything reads them; and turn every error answer that is not already the
    API's JSON (a URL that does not exist, a server error, a refused CSRF token, a log-in
    redirect) into the API's error format."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refusal = check_request(request)
        if refusal is not None:
            return from_api_error(refusal)
        response = self.get_response(request)
        return self._as_json(request, response)

    def _as_json(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        content_type = response.get("Content-Type", "")
        location = response.get("Location", "")
        if response.status_code == 302 and location.startswith(_login_pages()):
            # The log-in or one-time-code page: an API caller is told to authenticate.
            return error_response(401, *_generic(401))
        if response.status_code < 400 or content_type.startswith("application/json"):
            return response
        code, message = _generic(response.status_code)
        converted = error_response(response.status_code, code, message)
        if response.has_header("Allow"):
            converted["Allow"] = response["Allow"]
        return converted
