"""The statistics page and its CSV file: for the municipal administrator (the whole
municipality) and unit leaders (their own units). Figures only, never a child."""

from __future__ import annotations

import csv
from typing import Any, cast

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from stafett.organisation.models import Unit
from stafett.policy import access_municipality, actor_for, statistics_unit_ids
from stafett.statistics import charts
from stafett.statistics.forms import StatisticsFilterForm, default_period
from stafett.statistics.selectors import METRICS, Statistics, compute


def metric_labels() -> dict[str, str]:
    return {
        "new_concerns": _("New concerns"),
        "concerns_to_logs": _("Concerns that went on in a relay log"),
        "open_logs": _("Children with an open relay log"),
        "handovers": _("Handovers of the baton"),
        "closures": _("Relay logs closed"),
        "withdrawals": _("Consents withdrawn"),
    }


def _form(request: HttpRequest) -> tuple[Any, StatisticsFilterForm]:
    """(municipality, filter form) for a person who may see statistics."""
    municipality = access_municipality(request, "statistics.view")
    unit_ids = statistics_unit_ids(actor_for(request))
    units = Unit.objects.filter(municipality=municipality).select_related("service_kind")
    if unit_ids is not None:
        units = units.filter(id__in=unit_ids)
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        data = QueryDict(mutable=True)
        data.update(request.GET)
        data["start"], data["end"] = default_period(timezone.localdate())
    form = StatisticsFilterForm(data, units=list(units.order_by("name")))
    return municipality, form


def _compute(request: HttpRequest, municipality: Any, form: StatisticsFilterForm) -> Statistics:
    unit_ids = statistics_unit_ids(actor_for(request))
    return compute(municipality, units=unit_ids, filters=form.filters())


def _month(day: Any) -> str:
    return f"{day.month:02d}.{day.year}"


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    municipality, form = _form(request)
    context: dict[str, Any] = {"form": form, "municipality": municipality}
    if form.is_valid():
        stats = _compute(request, municipality, form)
        labels = metric_labels()
        context.update(
            stats=stats,
            metrics=[(m, labels[m], stats.totals[m]) for m in METRICS],
            unit_rows=[(row, [row.cells[m] for m in METRICS]) for row in stats.units],
            metric_headers=[labels[m] for m in METRICS],
            totals_row=[stats.totals[m] for m in METRICS],
            query=cast(QueryDict, form.data).urlencode(),
            levels_chart=_levels_chart(stats),
            closures_chart=_closures_chart(stats),
            concerns_chart=_concerns_chart(stats),
        )
    else:
        context["query"] = ""
    return render(request, "statistics/page.html", context)


def _levels_chart(stats: Statistics) -> Any:
    months = stats.levels_over_time
    return charts.column_chart(
        chart_id="chart-levels",
        title=_("Children with an open relay log at the end of each month, by level"),
        description=_(
            "Columns for level 1, 2 and 3 in each month. A hatched column is a number under "
            "5. The table beside the chart has every figure."
        ),
        categories=[_month(m.month) for m in months],
        series=[
            charts.Series(
                label=_("Level %(level)s") % {"level": level},
                cells=[m.levels[level] for m in months],
            )
            for level in (1, 2, 3)
        ],
    )


def _closures_chart(stats: Statistics) -> Any:
    return charts.bar_chart(
        chart_id="chart-closures",
        title=_("Relay logs closed, by reason"),
        description=_(
            "One bar for each reason. A hatched bar is a number under 5. The table beside "
            "the chart has every figure."
        ),
        rows=[(row.label, row.cell) for row in stats.closures_by_reason],
    )


def _concerns_chart(stats: Statistics) -> Any:
    return charts.bar_chart(
        chart_id="chart-concerns",
        title=_("New concerns, by unit"),
        description=_(
            "One bar for each unit. A hatched bar is a number under 5; a hidden number has "
            "no bar. The table beside the chart has every figure."
        ),
        rows=[(row.name, row.cells["new_concerns"]) for row in stats.units],
    )


@require_GET
def csv_file(request: HttpRequest) -> HttpResponse:
    """The same figures as the page, as protected as on the page, for a spreadsheet."""
    municipality, form = _form(request)
    if not form.is_valid():
        messages = [str(e) for errors in form.errors.values() for e in errors]
        return HttpResponse(
            " ".join(messages), status=400, content_type="text/plain; charset=utf-8"
        )
    stats = _compute(request, municipality, form)
    filters = stats.filters
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"statistics-{filters.start:%Y-%m}-{filters.end:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheets read the file as UTF-8
    writer = csv.writer(response, delimiter=";")
    text = charts.cell_text
    labels = metric_labels()
    writer.writerow([_("Statistics"), municipality.name])
    writer.writerow([_("Period"), _month(filters.start), _month(filters.end)])
    writer.writerow([_("Counts children. A number under 5 is shown as “under 5”.")])
    writer.writerow([])
    writer.writerow([_("Unit"), _("Service kind"), *(labels[m] for m in METRICS)])
    for row in stats.units:
        writer.writerow([row.name, row.service_kind, *(text(row.cells[m]) for m in METRICS)])
    writer.writerow([_("Total"), "", *(text(stats.totals[m]) for m in METRICS)])
    writer.writerow([])
    levels = [_("Level %(level)s") % {"level": level} for level in (1, 2, 3)]
    writer.writerow([_("Month"), *levels, _("Total")])
    for month in stats.levels_over_time:
        writer.writerow(
            [_month(month.month), *(text(month.levels[lv]) for lv in (1, 2, 3)), text(month.total)]
        )
    writer.writerow([])
    writer.writerow([_("Reason for closing"), _("Children")])
    for reason in stats.closures_by_reason:
        writer.writerow([reason.label, text(reason.cell)])
    writer.writerow([_("Total"), text(stats.totals["closures"])])
    writer.writerow([])
    median = stats.days_to_first_measure
    writer.writerow(
        [
            _("Days from concern to first measure (median)"),
            number_format(median.days, 1) if median.days is not None else "",
            text(median.children),
        ]
    )
    share = stats.evaluated_on_time
    writer.writerow(
        [
            _("Measures evaluated on time (per cent)"),
            share.percent if share.percent is not None else "",
            text(share.children),
        ]
    )
    return response
