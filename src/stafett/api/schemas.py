"""What the API reads and writes. Inputs refuse unknown fields (no mass assignment):
a field that is not declared here is an error, never silently ignored or stored."""

from __future__ import annotations

import datetime
import uuid
from typing import Generic, Literal, TypeVar

from ninja import Schema
from pydantic import ConfigDict, Field

from stafett.api.text import Line, Text
from stafett.logs.models import MeasureStatus, MeetingKind

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# --- Errors and pages --------------------------------------------------------------------


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    status: int
    code: str
    message: str
    fields: list[FieldErrorOut]


class PageOut(Schema, Generic[T]):
    count: int = Field(description="How many there are in all.")
    limit: int
    offset: int
    items: list[T]


# --- The municipality's structure -------------------------------------------------------


class ServiceOut(Schema):
    uuid: uuid.UUID
    name: str
    category: Literal["basis", "help", "adult"]
    is_active: bool


class UnitOut(Schema):
    uuid: uuid.UUID
    name: str
    service: ServiceOut
    email: str
    phone: str
    is_active: bool


# --- Relay logs ---------------------------------------------------------------------------


class NamedOut(Schema):
    uuid: uuid.UUID
    name: str


class SubjectOut(Schema):
    uuid: uuid.UUID
    first_name: str
    last_name: str
    birth_date: datetime.date


class LogOut(Schema):
    uuid: uuid.UUID
    subject: SubjectOut
    unit: NamedOut
    coordinator: NamedOut
    level: int
    step: str
    status: str
    consent_state: str | None = Field(description="The state of the consent in force, if any.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    revision: int = Field(description="Changes with every change of level, step or status.")
    role: str = Field(description="What the caller is to this log.")
    content: bool = Field(
        description="Whether the caller may read the log's content (entries, measures, "
        "meetings), or only where it stands."
    )


class EntryOut(Schema):
    uuid: uuid.UUID
    kind: str
    created_at: datetime.datetime
    version: int = Field(description="Send this as base_version when you change the entry.")
    author: str
    author_role: str
    changed_at: datetime.datetime
    title: str
    body: str
    # Measures.
    responsible: NamedOut | None = None
    start_date: datetime.date | None = None
    evaluation_date: datetime.date | None = None
    measure_status: str = ""
    # Meetings.
    meeting_kind: str = ""
    starts_at: datetime.datetime | None = None
    place: str = ""
    video_link: str = ""
    agenda: str = ""
    minutes: str = ""
    decisions: str = ""
    cancelled: bool = False
    invited: list[NamedOut] = []


MeasureStatusIn = MeasureStatus
MeetingKindIn = MeetingKind
TextKindIn = Literal["note", "understanding", "goal", "bright_spot", "child_voice"]


class EntryIn(Input):
    kind: TextKindIn
    title: Line = ""
    body: Text = ""


class EntryPatch(Input):
    base_version: int = Field(ge=1, le=1_000_000)
    title: Line | None = None
    body: Text | None = None


class MeasureIn(Input):
    title: Line
    body: Text = ""
    responsible: uuid.UUID = Field(description="A person taking part in the log.")
    start_date: datetime.date
    evaluation_date: datetime.date
    measure_status: MeasureStatusIn = MeasureStatus.PLANNED


class MeasurePatch(Input):
    base_version: int = Field(ge=1, le=1_000_000)
    title: Line | None = None
    body: Text | None = None
    responsible: uuid.UUID | None = None
    start_date: datetime.date | None = None
    evaluation_date: datetime.date | None = None
    measure_status: MeasureStatusIn | None = None


class MeetingIn(Input):
    meeting_kind: MeetingKindIn
    starts_at: datetime.datetime
    place: Line = ""
    video_link: Line = ""
    agenda: Text = ""
    invited: list[uuid.UUID] = Field(default=[], max_length=100)


class MeetingPatch(Input):
    base_version: int = Field(ge=1, le=1_000_000)
    meeting_kind: MeetingKindIn | None = None
    starts_at: datetime.datetime | None = None
    place: Line | None = None
    video_link: Line | None = None
    agenda: Text | None = None
    minutes: Text | None = None
    decisions: Text | None = None
    cancelled: bool | None = None
    invited: list[uuid.UUID] | None = Field(default=None, max_length=100)


# --- Consent and the access log -----------------------------------------------------------


class ConsentOut(Schema):
    uuid: uuid.UUID | None
    state: str | None = Field(description="None when consent was never asked for.")
    grants_access: bool
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    method: str
    completed_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    units: list[NamedOut] = Field(description="The units the consent in force covers.")


class AccessRowOut(Schema):
    at: datetime.datetime
    who: str
    role: str
    unit: str
    action: str
    reason: str
    outcome: str


# --- Statistics ----------------------------------------------------------------------------


class CellOut(Schema):
    """One protected figure. `value` is the number only when it is shown exactly; a
    number under 5 ("under") or one hidden so that a small one cannot be worked out
    ("hidden") has `value` null: the true number is never sent."""

    value: int | None = Field(description="The number, or null when it is not shown.")
    shown: Literal["exact", "under", "hidden"]
    text: str = Field(description='As the web page shows it: "12", "under 5", "hidden".')


class MetricsOut(Schema):
    new_concerns: CellOut
    concerns_to_logs: CellOut
    open_logs: CellOut
    handovers: CellOut
    closures: CellOut
    withdrawals: CellOut


class StatisticsUnitOut(Schema):
    uuid: uuid.UUID
    name: str
    service_kind: str
    figures: MetricsOut


class MonthLevelsOut(Schema):
    month: str = Field(description="Year and month, e.g. 2026-01.")
    level_1: CellOut
    level_2: CellOut
    level_3: CellOut
    total: CellOut


class ReasonOut(Schema):
    reason: str
    label: str
    figure: CellOut


class MedianOut(Schema):
    days: float | None = Field(description="Null unless it rests on at least 5 children.")
    children: CellOut


class ShareOut(Schema):
    percent: int | None = Field(description="Null unless at least 5 children's measures.")
    measures: int | None
    children: CellOut


class StatisticsFiltersOut(Schema):
    start: str = Field(description="First month (year-month).")
    end: str = Field(description="Last month (year-month).")
    unit: uuid.UUID | None
    service_kind: uuid.UUID | None
    age_group: str | None


class StatisticsOut(Schema):
    filters: StatisticsFiltersOut
    units: list[StatisticsUnitOut]
    totals: MetricsOut
    concerns_to_logs_percent: int | None
    levels_over_time: list[MonthLevelsOut]
    closures_by_reason: list[ReasonOut]
    days_to_first_measure: MedianOut
    evaluated_on_time: ShareOut
