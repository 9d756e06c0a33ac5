from __future__ import annotations

import logging
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from psycopg_pool import PoolTimeout

from stafett.core.readiness import readiness
from stafett.policy import public

logger = logging.getLogger("stafett.overload")

# How long a client is asked to wait after a 503 for overload.
RETRY_AFTER_SECONDS = 5


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 when the database answers, 503 otherwise. Says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@public
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database answers and every migration is applied, else 503.

    Remembered for STAFETT_READYZ_CACHE_SECONDS per process (stafett.core.readiness).
    """
    state = readiness()
    body = {
        "status": "ok" if state.ready else "unavailable",
        "database": "ok" if state.database else "unavailable",
        "migrations": "applied" if state.migrations_applied else "pending",
    }
    return JsonResponse(body, status=200 if state.ready else 503)


def _is_overload(error: BaseException | None) -> bool:
    """No database connection to be had in time: the pool's wait ran out."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, PoolTimeout):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an overloaded database pool answers 503 at once, with Retry-After.

    Everything else is Django's own 500. The 503 page is rendered without a request, so
    it needs nothing from the database (no context processors, no session).
    """
    if not _is_overload(sys.exc_info()[1]):
        return defaults.server_error(request)
    logger.warning("overload: no database connection within the pool's timeout")
    body = render_to_string("503.html", {"language": get_language() or "nn"})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
