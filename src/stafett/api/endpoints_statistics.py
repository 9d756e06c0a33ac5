"""`GET /api/v1/statistics`: the statistics page's figures as JSON, for the same people
(policy `statistics.view`: the municipal administrator for the whole municipality, a
unit leader for the units they lead; other staff 403, everyone else 404).

The same filter form as the page checks the choices, and the same `compute` counts: every
figure is a protected cell, so a number under 5 children is never in the answer (its
`value` is null). An integration token acts as an employee of its units, not as a leader,
so the policy refuses it (403)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.params.functions import Query

from stafett.api.api import api
from stafett.api.endpoints import ERRORS
from stafett.api.errors import ApiError
from stafett.api.schemas import StatisticsOut
from stafett.organisation.models import Unit
from stafett.policy import access_municipality, actor_for, statistics_unit_ids
from stafett.statistics import charts
from stafett.statistics.forms import StatisticsFilterForm, default_period
from stafett.statistics.selectors import METRICS, compute
from stafett.statistics.suppression import Cell, Shown

MONTH = r"^[0-9]{4}-[0-9]{2}$"
START: Any = Query(None, description="First month, year-month (e.g. 2026-01).", pattern=MONTH)
END: Any = Query(None, description="Last month, year-month (e.g. 2026-12).", pattern=MONTH)
UNIT: Any = Query(None, description="One of the caller's units (its uuid).")
KIND: Any = Query(None, description="A service kind of the caller's units (its uuid).")
AGE: Any = Query(None, description="The child's age group (or pregnant women).")
AgeGroupIn = Literal["0-5", "6-12", "13-15", "16-", "pregnant"]


def cell(value: Cell) -> dict[str, Any]:
    """A protected figure: the number only when it is shown exactly."""
    exact = value.shown is Shown.EXACT
    return {
        "value": value.value if exact else None,
        "shown": str(value.shown),
        "text": charts.cell_text(value),
    }


def _metrics(cells: dict[str, Cell]) -> dict[str, Any]:
    return {metric: cell(cells[metric]) for metric in METRICS}


def _month(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _form_errors(form: StatisticsFilterForm) -> ApiError:
    fields = [
        {"field": name if name != "__all__" else "query", "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]
    return ApiError(
        422, "invalid", _("Some of what was sent is not valid. Nothing was changed."), fields=fields
    )


def _uuid_of(objects: dict[str, Any], wanted_id: int | None) -> str | None:
    return next((key for key, obj in objects.items() if obj.id == wanted_id), None)


@api.get(
    "/statistics",
    response={200: StatisticsOut, **ERRORS},
    url_name="statistics",
    tags=["statistics"],
)
def statistics(
    request: HttpRequest,
    start: str | None = START,
    end: str | None = END,
    unit: uuid.UUID | None = UNIT,
    service_kind: uuid.UUID | None = KIND,
    age_group: AgeGroupIn | None = AGE,
) -> dict[str, Any]:
    """The statistics page's figures (counts of children) for a period of whole months:
    by unit, in total, open logs by level at each month's end, closures by reason, time
    to the first measure and measures evaluated on time. Without `start` and `end`: the
    last twelve months. A figure under 5 is `{"value": null, "shown": "under"}`; one
    hidden so that a small one cannot be worked out is `"shown": "hidden"`."""
    municipality = access_municipality(request, "statistics.view")
    unit_ids = statistics_unit_ids(actor_for(request))
    units = Unit.objects.filter(municipality=municipality).select_related("service_kind")
    if unit_ids is not None:
        units = units.filter(id__in=unit_ids)
    data = QueryDict(mutable=True)
    given = {
        "start": start,
        "end": end,
        "unit": unit,
        "service_kind": service_kind,
        "age_group": age_group,
    }
    for name, value in given.items():
        if value:
            data[name] = str(value)
    if not start and not end:
        data["start"], data["end"] = default_period(timezone.localdate())
    form = StatisticsFilterForm(data, units=list(units.order_by("name")))
    if not form.is_valid():
        raise _form_errors(form)
    filters = form.filters()
    stats = compute(municipality, units=unit_ids, filters=filters)
    by_id = {u.id: u for u in form.units.values()}
    return {
        "filters": {
            "start": _month(filters.start),
            "end": _month(filters.end),
            "unit": _uuid_of(form.units, filters.unit_id),
            "service_kind": _uuid_of(form.kinds, filters.service_kind_id),
            "age_group": filters.age_group,
        },
        "units": [
            {
                "uuid": by_id[row.unit_id].uuid,
                "name": row.name,
                "service_kind": row.service_kind,
                "figures": _metrics(row.cells),
            }
            for row in stats.units
        ],
        "totals": _metrics(stats.totals),
        "concerns_to_logs_percent": stats.concerns_to_logs_percent,
        "levels_over_time": [
            {
                "month": _month(month.month),
                **{f"level_{level}": cell(month.levels[level]) for level in (1, 2, 3)},
                "total": cell(month.total),
            }
            for month in stats.levels_over_time
        ],
        "closures_by_reason": [
            {"reason": row.reason, "label": row.label, "figure": cell(row.cell)}
            for row in stats.closures_by_reason
        ],
        "days_to_first_measure": {
            "days": stats.days_to_first_measure.days,
            "children": cell(stats.days_to_first_measure.children),
        },
        "evaluated_on_time": {
            "percent": stats.evaluated_on_time.percent,
            "measures": stats.evaluated_on_time.measures,
            "children": cell(stats.evaluated_on_time.children),
        },
    }
