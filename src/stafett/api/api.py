"""The JSON API under /api/v1/, described by the OpenAPI 3 document at
/api/v1/openapi.json and browsable at /api/v1/docs (Swagger UI, served from the
project's own static files).

The API has no rules of its own: every endpoint asks the one access policy
(`stafett.policy`) through the same access helpers as the web, writes through the same
services, and records every read of child data in the access log in the same
transaction. Outsiders get 404, insiders without the right 403."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from stafett.api.auth import TokenAuth, WebSessionAuth
from stafett.api.errors import ApiError, error_response, from_api_error
from stafett.core.errors import ConflictError
from stafett.policy import LoginRequired, public

logger = logging.getLogger(__name__)


def _public_get(view: Any) -> Any:
    """The OpenAPI document and the docs: open to all (they hold no data), GET only."""
    return public(require_GET(view))


class Utf8Renderer(JSONRenderer):
    """JSON in UTF-8 as it is (names with æ, ø, å read as written)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Stafett API",
    version="1",
    description=(
        "The JSON API of Stafett (BTI relay logs). Authenticate with an integration token "
        "(`Authorization: Bearer <token>`, created by the municipal administrator) or with "
        "the web session (send the CSRF token as `X-CSRFToken` for writes). Every read of "
        "a child's data is written to the access log the family can see."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), WebSessionAuth()],
    renderer=Utf8Renderer(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=_public_get,
)


def _field_name(loc: Any) -> str:
    parts = [str(part) for part in loc if part not in ("body", "payload")]
    return ".".join(parts) or "body"


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return from_api_error(exc)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [
        {"field": _field_name(error.get("loc", ())), "message": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return error_response(
        422, "invalid", _("Some of what was sent is not valid. Nothing was changed."), fields=fields
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401,
        "not_authenticated",
        _("Log in, or send an integration token as 'Authorization: Bearer <token>'."),
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(LoginRequired)
def _login_required(request: HttpRequest, exc: LoginRequired) -> HttpResponse:
    return _unauthenticated(request, AuthenticationError())


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return error_response(403, "forbidden", message)


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return error_response(409, "conflict", " ".join(exc.messages))


@api.exception_handler(DjangoValidationError)
def _service_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if isinstance(exc, ConflictError):
        return _conflict(request, exc)
    return error_response(422, "invalid", " ".join(exc.messages))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403:
        return error_response(
            403, "csrf_failed", _("The CSRF token is missing or wrong. Nothing was changed.")
        )
    return error_response(exc.status_code, "error", str(exc.message))


@api.exception_handler(json.JSONDecodeError)
def _bad_json(request: HttpRequest, exc: json.JSONDecodeError) -> HttpResponse:
    return error_response(400, "invalid_json", _("The request body is not valid JSON."))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(
        500, "server_error", _("Something went wrong on the server. Nothing was changed.")
    )


# The endpoints register themselves on `api`.
from stafett.api import endpoints  # noqa: E402, F401


def urls() -> tuple[list[Any], str, str]:
    """`api.urls` with one URL pattern per path (named after its GET operation): django-
    ninja adds one per operation, but the path's view answers every declared method, so
    the others would only be duplicates for the URL walk."""
    patterns, app_name, namespace = api.urls
    seen: set[str] = set()
    kept: list[Any] = []
    for pattern in patterns:
        route = str(pattern.pattern)
        if route not in seen:
            seen.add(route)
            kept.append(pattern)
    return kept, app_name, namespace
