"""Statistics for the municipality's prevention plan and yearly report: counts of
children, never of anything that names one.

`compute(municipality, units=..., filters=...)` is a pure read of the database: it does
not look at the request, so the page, the CSV file and an API can all call it. It runs
a fixed number of queries however much data there is (everything is counted in the
database, `tests/stats/test_selectors.py` checks the number), and returns only
protected figures (`suppression.Cell`): a value under 5 children never leaves this
module.

What counts where (the page says the same in plain words):

* A concern counts for its unit, in the month it was registered. A child named on no
  concern yet counts once per concern (there is no way to tell two such concerns apart).
* A relay log counts for the unit that holds its baton (for a closed log, the unit that
  held it last); a handover counts for the unit that took the baton over.
* "Open relay logs" is the children with a log that had consent and was not closed, at
  the end of the period (or today). Per level over time: the same at the end of each month,
  each log at the level it was on then.
* Age groups use the child's age on the last day of the period (or today).
* Time from concern to first measure: from the first concern that went on in the log to
  the log's first measure, for logs whose first measure came in the period (median, in
  days). Measures evaluated on time: measures whose evaluation date fell in the period
  (up to today) with an evaluation written on or before that date.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from stafett.concerns.models import Concern
from stafett.logs.models import (
    CloseReason,
    Entry,
    EntryKind,
    EntryVersion,
    Handover,
    Level,
    RelayLog,
)
from stafett.organisation.models import Municipality, Unit
from stafett.statistics.suppression import (
    THRESHOLD,
    UNDER,
    Cell,
    Shown,
    joined,
    primary,
    protect,
    subset_total,
)

# The longest period the page shows (months): the chart of levels over time draws one
# column a month.
MAX_MONTHS = 36


class AgeGroup:
    """Fixed groups, so that neighbouring selections cannot be subtracted from each other."""

    PRESCHOOL = "0-5"
    PRIMARY = "6-12"
    LOWER_SECONDARY = "13-15"
    YOUTH = "16-"
    PREGNANT = "pregnant"

    # (key, youngest, oldest); oldest None: no upper limit.
    AGES: dict[str, tuple[int, int | None]] = {
        PRESCHOOL: (0, 5),
        PRIMARY: (6, 12),
        LOWER_SECONDARY: (13, 15),
        YOUTH: (16, None),
    }
    ALL = (PRESCHOOL, PRIMARY, LOWER_SECONDARY, YOUTH, PREGNANT)


# The counted figures with a breakdown by unit, in the order of the page's table.
METRICS = ("new_concerns", "concerns_to_logs", "open_logs", "handovers", "closures", "withdrawals")


@dataclass(frozen=True)
class Filters:
    """What to count. `start` is the first day of a month, `end` the last day of one."""

    start: datetime.date
    end: datetime.date
    unit_id: int | None = None
    service_kind_id: int | None = None
    age_group: str | None = None

    @property
    def months(self) -> list[datetime.date]:
        """The first day of each month in the period."""
        months = []
        day = self.start.replace(day=1)
        while day <= self.end:
            months.append(day)
            day = (day + datetime.timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class UnitRow:
    unit_id: int
    name: str
    service_kind: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class MonthLevels:
    month: datetime.date
    levels: dict[int, Cell]
    total: Cell


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class Median:
    """A median in days, shown only when it rests on at least THRESHOLD children."""

    days: float | None
    children: Cell


@dataclass(frozen=True)
class Share:
    """A share of measures, shown only when they belong to at least THRESHOLD children."""

    percent: int | None
    measures: int | None
    children: Cell


@dataclass(frozen=True)
class Statistics:
    municipality_id: int
    filters: Filters
    today: datetime.date
    # The units counted (the person's units within the filters), and every figure.
    units: list[UnitRow]
    totals: dict[str, Cell]
    concerns_to_logs_percent: int | None
    levels_over_time: list[MonthLevels]
    closures_by_reason: list[ReasonRow]
    days_to_first_measure: Median
    evaluated_on_time: Share
    has_hidden: bool = field(default=False)
    has_under: bool = field(default=False)


def _aware(day: datetime.date, *, end: bool = False) -> datetime.datetime:
    """The start of a day (or of the next day, for `end`) in the municipality's time zone."""
    if end:
        day = day + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_q(prefix: str, group: str | None, reference: datetime.date) -> Q:
    """Children (or pregnant women) of an age group, through the relation `prefix`."""
    if group is None:
        return Q()
    if group == AgeGroup.PREGNANT:
        return Q(**{f"{prefix}kind": "pregnant"})
    youngest, oldest = AgeGroup.AGES[group]
    q = Q(
        **{f"{prefix}kind": "child", f"{prefix}birth_date__lte": _years_before(reference, youngest)}
    )
    if oldest is not None:
        q &= Q(**{f"{prefix}birth_date__gt": _years_before(reference, oldest + 1)})
    return q


def _child_key() -> Any:
    """A concern's child: the named subject, or the concern itself while it names nobody
    (negative, so that it never equals a subject's id)."""
    return Coalesce(F("subject_id"), -F("id"))


def _by_unit(
    rows: Iterable[dict[str, Any]], key: str, names: Sequence[str]
) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = {}
    for row in rows:
        result[row[key]] = {name: int(row[name] or 0) for name in names}
    return result


def compute(
    municipality: Municipality, *, units: Sequence[int] | None, filters: Filters
) -> Statistics:
    """The municipality's statistics, for `units` (None: every unit, for the municipal
    administrator; else a unit leader's units), within `filters`."""
    today = timezone.localdate()
    start = _aware(filters.start)
    end_day = min(filters.end, today)
    end = _aware(end_day, end=True)
    period_end = _aware(filters.end, end=True)
    reference = end_day

    all_units = list(
        Unit.objects.filter(municipality=municipality)
        .select_related("service_kind")
        .order_by("name", "id")
    )
    allowed = {u.id for u in all_units} if units is None else set(units)
    scope = [
        u
        for u in all_units
        if u.id in allowed
        and (filters.unit_id is None or u.id == filters.unit_id)
        and (filters.service_kind_id is None or u.service_kind_id == filters.service_kind_id)
    ]
    scope_ids = [u.id for u in scope]
    whole = len(scope) == len(all_units)

    # --- Concerns: new, and gone on in a relay log (one grouped query, one for totals).
    concerns = Concern.objects.filter(
        municipality=municipality, created_at__gte=start, created_at__lt=period_end
    )
    if filters.age_group is not None:
        concerns = concerns.filter(_age_q("subject__", filters.age_group, reference))
    to_log = Q(log__isnull=False)
    concern_counts = {
        "new_concerns": Count(_child_key(), distinct=True),
        "concerns_to_logs": Count(_child_key(), distinct=True, filter=to_log),
    }
    concern_rows = _by_unit(
        concerns.order_by().values("unit_id").annotate(**concern_counts),
        "unit_id",
        list(concern_counts),
    )
    in_scope = Q(unit_id__in=scope_ids)
    concern_totals = concerns.aggregate(
        new_concerns=Count(_child_key(), distinct=True),
        concerns_to_logs=Count(_child_key(), distinct=True, filter=to_log),
        scope_new_concerns=Count(_child_key(), distinct=True, filter=in_scope),
        scope_concerns_to_logs=Count(_child_key(), distinct=True, filter=to_log & in_scope),
    )

    # --- Relay logs: open at the end, closed, consent withdrawn (grouped, and totals).
    logs = RelayLog.objects.filter(municipality=municipality)
    if filters.age_group is not None:
        logs = logs.filter(_age_q("subject__", filters.age_group, reference))
    open_at_end = Q(activated_at__isnull=False, activated_at__lt=end) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )
    closed = Q(status=RelayLog.Status.CLOSED, closed_at__gte=start, closed_at__lt=period_end)
    withdrawn = Q(
        consents__completed_at__isnull=False,
        consents__declined_at__isnull=True,
        consents__withdrawn_at__gte=start,
        consents__withdrawn_at__lt=period_end,
    )
    child = "subject_id"
    log_counts = {
        "open_logs": Count(child, distinct=True, filter=open_at_end),
        "closures": Count(child, distinct=True, filter=closed),
        "withdrawals": Count(child, distinct=True, filter=withdrawn),
    }
    log_rows = _by_unit(
        logs.order_by().values("unit_id").annotate(**log_counts), "unit_id", list(log_counts)
    )
    log_totals = logs.aggregate(
        **log_counts,
        **{
            f"scope_{name}": Count(child, distinct=True, filter=condition & in_scope)
            for name, condition in (
                ("open_logs", open_at_end),
                ("closures", closed),
                ("withdrawals", withdrawn),
            )
        },
    )

    # --- Handovers accepted in the period, for the unit that took the baton over.
    handovers = Handover.objects.filter(
        log__municipality=municipality,
        status=Handover.Status.ACCEPTED,
        answered_at__gte=start,
        answered_at__lt=period_end,
    )
    if filters.age_group is not None:
        handovers = handovers.filter(_age_q("log__subject__", filters.age_group, reference))
    handover_child = Count("log__subject_id", distinct=True)
    handover_rows = _by_unit(
        handovers.order_by().values("to_unit_id").annotate(handovers=handover_child),
        "to_unit_id",
        ["handovers"],
    )
    handover_totals = handovers.aggregate(
        handovers=handover_child,
        scope_handovers=Count("log__subject_id", distinct=True, filter=Q(to_unit_id__in=scope_ids)),
    )

    raw_totals: dict[str, int] = {**concern_totals, **log_totals, **handover_totals}

    # Every unit of the municipality is protected together (whoever is looking, whatever
    # unit or service kind is chosen), so that one unit's figures cannot be subtracted
    # from the municipality's on another page.
    per_unit: dict[int, dict[str, int]] = {}
    for source in (concern_rows, log_rows, handover_rows):
        for unit_id, values in source.items():
            per_unit.setdefault(unit_id, {}).update(values)
    unit_cells: dict[int, dict[str, Cell]] = {u.id: {} for u in all_units}
    totals: dict[str, Cell] = {}
    for metric in METRICS:
        parts = [per_unit.get(u.id, {}).get(metric, 0) for u in all_units]
        cells, total = protect(parts, int(raw_totals[metric] or 0))
        for unit, cell in zip(all_units, cells, strict=True):
            unit_cells[unit.id][metric] = cell
        if whole:
            totals[metric] = total
        else:
            totals[metric] = subset_total(
                int(raw_totals[f"scope_{metric}"] or 0),
                [unit_cells[u.id][metric] for u in scope],
            )

    scoped_logs = logs.filter(unit_id__in=scope_ids)
    levels = _levels_over_time(scoped_logs, filters, today)
    reasons, closures_total = _closures_by_reason(scoped_logs, start, period_end)
    totals["closures"] = joined(totals["closures"], closures_total)
    median = _days_to_first_measure(scoped_logs, start, end)
    share = _evaluated_on_time(scoped_logs, filters.start, end_day)

    percent = None
    new, went_on = totals["new_concerns"], totals["concerns_to_logs"]
    if new.is_exact and went_on.is_exact and new.value:
        percent = round(100 * (went_on.value or 0) / new.value)

    rows = [
        UnitRow(
            unit_id=u.id,
            name=u.name,
            service_kind=u.service_kind.name,
            cells=unit_cells[u.id],
        )
        for u in scope
    ]
    every_cell = [c for row in rows for c in row.cells.values()]
    every_cell += list(totals.values()) + [r.cell for r in reasons]
    every_cell += [c for m in levels for c in (*m.levels.values(), m.total)]
    return Statistics(
        municipality_id=municipality.id,
        filters=filters,
        today=today,
        units=rows,
        totals=totals,
        concerns_to_logs_percent=percent,
        levels_over_time=levels,
        closures_by_reason=reasons,
        days_to_first_measure=median,
        evaluated_on_time=share,
        has_hidden=any(c.shown is Shown.HIDDEN for c in every_cell),
        has_under=any(c.shown is Shown.UNDER for c in every_cell),
    )


def _level_at(moment: datetime.datetime) -> Any:
    """The log's level at `moment`: the level its last decision before then moved it to;
    before any decision, the level its first decision moved it from; without decisions,
    the level it has now."""
    decisions = Entry.objects.filter(
        log_id=OuterRef("pk"), kind=EntryKind.DECISION, latest__to_level__isnull=False
    )
    before = decisions.filter(created_at__lt=moment).order_by("-created_at", "-id")
    first = decisions.filter(latest__from_level__isnull=False).order_by("created_at", "id")
    return Coalesce(
        Subquery(before.values("latest__to_level")[:1]),
        Subquery(first.values("latest__from_level")[:1]),
        F("level"),
    )


def _levels_over_time(logs: Any, filters: Filters, today: datetime.date) -> list[MonthLevels]:
    """Children with an open log at the end of each month, by the level it was on then.
    One query: one conditional count per month and level."""
    moments: list[tuple[datetime.date, datetime.datetime]] = []
    for month in filters.months:
        last = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        if month > today:
            break
        moments.append((month, _aware(min(last, today), end=True)))
    if not moments:
        return []
    annotations = {f"level_{i}": _level_at(moment) for i, (_m, moment) in enumerate(moments)}
    aggregates: dict[str, Any] = {}
    for i, (_month, moment) in enumerate(moments):
        is_open = Q(activated_at__isnull=False, activated_at__lt=moment) & (
            Q(closed_at__isnull=True) | Q(closed_at__gte=moment)
        )
        aggregates[f"all_{i}"] = Count("subject_id", distinct=True, filter=is_open)
        for level in Level.values:
            aggregates[f"l{level}_{i}"] = Count(
                "subject_id", distinct=True, filter=is_open & Q(**{f"level_{i}": level})
            )
    counts = logs.annotate(**annotations).aggregate(**aggregates)
    result = []
    for i, (month, _moment) in enumerate(moments):
        parts = [int(counts[f"l{level}_{i}"] or 0) for level in Level.values]
        cells, total = protect(parts, int(counts[f"all_{i}"] or 0))
        result.append(
            MonthLevels(
                month=month, levels=dict(zip(Level.values, cells, strict=True)), total=total
            )
        )
    return result


def _closures_by_reason(
    logs: Any, start: datetime.datetime, end: datetime.datetime
) -> tuple[list[ReasonRow], Cell]:
    closed = logs.filter(status=RelayLog.Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    counts = closed.aggregate(
        total=Count("subject_id", distinct=True),
        **{
            reason: Count("subject_id", distinct=True, filter=Q(close_reason=reason))
            for reason in CloseReason.values
        },
    )
    parts = [int(counts[reason] or 0) for reason in CloseReason.values]
    cells, total = protect(parts, int(counts["total"] or 0))
    rows = [
        ReasonRow(reason=value, label=str(label), cell=cell)
        for (value, label), cell in zip(CloseReason.choices, cells, strict=True)
    ]
    return rows, total


def _days_to_first_measure(logs: Any, start: datetime.datetime, end: datetime.datetime) -> Median:
    """Two queries: how many, then the middle one or two (ordered in the database)."""
    first_measure = (
        Entry.objects.filter(log_id=OuterRef("pk"), kind=EntryKind.MEASURE)
        .order_by()
        .values("log_id")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    first_concern = (
        Concern.objects.filter(log_id=OuterRef("pk"))
        .order_by()
        .values("log_id")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    durations = (
        logs.annotate(
            first_measure=Subquery(first_measure, output_field=DateTimeField()),
            first_concern=Subquery(first_concern, output_field=DateTimeField()),
        )
        .filter(
            first_measure__gte=start,
            first_measure__lt=end,
            first_concern__isnull=False,
            first_concern__lte=F("first_measure"),
        )
        .annotate(
            duration=ExpressionWrapper(
                F("first_measure") - F("first_concern"), output_field=DurationField()
            )
        )
    )
    summary = durations.aggregate(logs=Count("id"), children=Count("subject_id", distinct=True))
    children = primary(int(summary["children"] or 0))
    n = int(summary["logs"] or 0)
    middle = max(0, (n - 1) // 2)
    # Asked even when it will not be shown, so that the page always asks the same.
    values = list(
        durations.order_by("duration", "id").values_list("duration", flat=True)[
            middle : middle + (2 if n % 2 == 0 else 1)
        ]
    )
    if not children.is_exact or not values:
        return Median(days=None, children=children)
    days = [_days(v) for v in values]
    return Median(days=round(sum(days) / len(days), 1), children=children)


def _days(value: Any) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    # SQLite may hand back microseconds.
    return float(value) / 86_400_000_000


def _evaluated_on_time(logs: Any, start: datetime.date, end: datetime.date) -> Share:
    """Measures whose evaluation date fell in the period (up to today), and how many of
    them have an evaluation written on or before that date. One query."""
    evaluation = EntryVersion.objects.filter(
        measure_id=OuterRef("pk"),
        entry__kind=EntryKind.EVALUATION,
        created_at__date__lte=OuterRef("latest__evaluation_date"),
    )
    measures = Entry.objects.filter(
        log__in=logs,
        kind=EntryKind.MEASURE,
        latest__evaluation_date__gte=start,
        latest__evaluation_date__lte=end,
    ).exclude(latest__measure_status="stopped")
    summary = measures.aggregate(
        measures=Count("id"),
        # The condition itself, not an annotation: Django counts over a subquery here,
        # and an annotation's name would not reach it.
        on_time=Count("id", filter=Exists(evaluation)),
        children=Count("log__subject_id", distinct=True),
    )
    children = primary(int(summary["children"] or 0))
    total = int(summary["measures"] or 0)
    if not children.is_exact or total < THRESHOLD:
        return Share(percent=None, measures=None, children=children if total else UNDER)
    return Share(
        percent=round(100 * int(summary["on_time"] or 0) / total),
        measures=total,
        children=children,
    )


__all__ = [
    "METRICS",
    "AgeGroup",
    "Cell",
    "Filters",
    "MonthLevels",
    "ReasonRow",
    "Statistics",
    "UnitRow",
    "compute",
]
