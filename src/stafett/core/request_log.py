"""One log line per request, and a request id on every log line written while it runs.

`RequestLogMiddleware` (outermost) takes the caller's `X-Request-ID` when it is
well-formed (a load balancer's or proxy's id, so their logs and ours can be joined),
else makes one, echoes it in the response's `X-Request-ID` header, and writes one line
to the `stafett.request` logger when the response is ready: method, path (never the
query string), status, duration in milliseconds and the signed-in user's numeric id
(never a name, never child data). `RequestIdFilter` puts the id on every other record
logged during the request (Django's own warnings included); production formats them as
JSON (settings.LOGGING, pythonjsonlogger).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("stafett.request")

HEADER = "X-Request-ID"
# Letters, digits, dot, dash, underscore, colon; 8 to 128 of them: UUIDs, hex ids and the
# usual proxies' ids pass, nothing that could break a log line or a header does.
WELL_FORMED = re.compile(r"\A[A-Za-z0-9._:-]{8,128}\Z")

_request_id: ContextVar[str] = ContextVar("stafett_request_id", default="")


def current_request_id() -> str:
    """The id of the request being answered in this thread, or "" outside a request."""
    return _request_id.get()


def request_id_for(incoming: str | None) -> str:
    if incoming and WELL_FORMED.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            # Django logs a 4xx/5xx response after the middleware has returned, with the
            # request attached: its id is on the request.
            request = getattr(record, "request", None)
            record.request_id = _request_id.get() or getattr(request, "request_id", "")
        return True


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            logger.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user_id,
                },
            )
            return response
        finally:
            _request_id.reset(token)
