"""What of a level-0 concern the family reads in the relay log it goes on to (issue 10).

Level 0 is the staff's own documentation: what they noticed, their observations, the
views of colleagues and leaders they shared it with, the worry scores. When the concern
goes on at level 1–3, its author (who becomes the log's coordinator) chooses at "decide"
what the family will read; the decide page shows exactly that as a preview. When the
family's consent comes into force, each chosen piece becomes one entry in the log,
credited to the person who wrote it. Everything else stays on the concern.

Chosen by default: what the author noticed and their dated observations (facts the author
wrote down to share, and what the talk with the family was about), and the family's own
request for help. Never by default: a colleague's or leader's view, the notes of the talk,
earlier decisions, the worry scores and the reason for this decision.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation

from stafett.accounts.models import User
from stafett.concerns.models import Concern, ConcernRecord, Outcome, RecordKind
from stafett.logs import events
from stafett.organisation.models import Membership, Unit

# Records that may be carried (a share, a name, a path taken are not for the family).
CARRYABLE = (
    RecordKind.OBSERVATION,
    RecordKind.VIEW,
    RecordKind.FAMILY_TALK,
    RecordKind.HELP_REQUEST,
    RecordKind.DECISION,
)
CHOSEN_BY_DEFAULT = (RecordKind.OBSERVATION, RecordKind.HELP_REQUEST)

NOTICED = "noticed"
SCORES = "scores"
REASON = "reason"  # the reason for the decision being made now
RECORD_PREFIX = "record-"


@dataclass(frozen=True)
class CarryChoice:
    """What the author chose at "decide". Nothing, unless chosen."""

    noticed: bool = False
    scores: bool = False
    reason: bool = False
    record_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> CarryChoice:
        keys = set(keys)
        ids = frozenset(
            int(key.removeprefix(RECORD_PREFIX))
            for key in keys
            if key.startswith(RECORD_PREFIX) and key.removeprefix(RECORD_PREFIX).isdigit()
        )
        return cls(
            noticed=NOTICED in keys, scores=SCORES in keys, reason=REASON in keys, record_ids=ids
        )


@dataclass(frozen=True)
class CarryItem:
    """One piece of the concern, as the family would read it in the log. Its title is
    kept as a key and parameters (`logs.events.CARRIED_TITLES`), so that each reader of
    the log reads it in their own language."""

    key: str
    title_key: str
    title_params: dict[str, Any]
    body: str
    author: User | None
    author_name: str
    author_role: str  # as `logs.EntryVersion.author_role` ("employee", "unit_leader", ...)
    author_unit: Unit | None
    chosen: bool  # chosen at "decide" (stored on the concern)
    by_default: bool  # ticked when the decide page opens
    # A system line of the concern (`ConcernRecord.params`) as the text: carried as its
    # key and parameters too, so the log shows it in each reader's language.
    body_params: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        """The title in the active language."""
        return events.render(self.title_key, self.title_params, events.CARRIED_TITLES)

    @property
    def event_params(self) -> dict[str, Any]:
        """What the log's entry stores (`logs.services.add_carried`)."""
        params: dict[str, Any] = {"title": self.title_key, **self.title_params}
        if self.body_params:
            params["body"] = self.body_params
        return params


def _title(key: str, **values: Any) -> tuple[str, dict[str, Any]]:
    return key, events.params_for(key, events.CARRIED_TITLES, **values)


def _day(value: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    return value


class _Roles:
    """Who each author is at the concern's unit, for the credit line (one query each)."""

    def __init__(self, concern: Concern) -> None:
        self.concern = concern
        self.known: dict[int, tuple[str, Unit | None]] = {}

    def of(self, user: User | None) -> tuple[str, Unit | None]:
        if user is None:
            return "system", None
        if user.kind == User.Kind.CITIZEN:
            return "guardian", None
        if user.id not in self.known:
            roles = set(
                Membership.objects.filter(user=user, unit=self.concern.unit).values_list(
                    "role", flat=True
                )
            )
            if not roles:
                self.known[user.id] = ("employee", None)
            elif Membership.Role.LEADER in roles:
                self.known[user.id] = ("unit_leader", self.concern.unit)
            else:
                self.known[user.id] = ("employee", self.concern.unit)
        return self.known[user.id]


def _record_title(record: ConcernRecord) -> tuple[str, dict[str, Any]]:
    day = _day(record.created_at)
    if record.kind == RecordKind.OBSERVATION:
        return _title("observation", date=day)
    if record.kind == RecordKind.VIEW:
        return _title("view", date=day)
    if record.kind == RecordKind.FAMILY_TALK:
        told = _day(record.told_on) if record.told_on else day
        return _title("family_talk", who=record.told_who, date=told)
    if record.kind == RecordKind.HELP_REQUEST:
        return _title("help_request", date=day)
    # The outcome's English label is its msgid: translated when shown.
    with translation.override("en"):
        outcome = str(record.get_outcome_display())
    return _title("decision", date=day, outcome=outcome)


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def carry_items(concern: Concern) -> list[CarryItem]:
    """Every piece of the concern that may be carried, oldest first, each with whether it
    was chosen and whether it is ticked by default. Three queries and one per author."""
    roles = _Roles(concern)
    author = concern.author
    role, unit = roles.of(author)
    title_key, title_params = _title(
        "noticed", date=_day(concern.noticed_on), where=concern.noticed_where
    )
    items = [
        CarryItem(
            key=NOTICED,
            title_key=title_key,
            title_params=title_params,
            body=concern.noticed,
            author=author,
            author_name=_name(author),
            author_role=role,
            author_unit=unit,
            chosen=concern.noticed_for_log,
            by_default=True,
        )
    ]
    records = concern.records.filter(kind__in=CARRYABLE).select_related("author")
    for record in records.order_by("created_at", "id"):
        level_decision = record.kind == RecordKind.DECISION and record.outcome == Outcome.LEVEL
        if level_decision and not record.for_log:
            continue  # the decision being carried out: offered as "reason" until made
        text = record.text  # the system's own lines in the active language
        if not text.strip():
            continue
        role, unit = roles.of(record.author)
        title_key, title_params = _record_title(record)
        items.append(
            CarryItem(
                key=f"{RECORD_PREFIX}{record.id}",
                title_key=title_key,
                title_params=title_params,
                body=text,
                body_params=record.params,
                author=record.author,
                author_name=record.author_name,
                author_role=role,
                author_unit=unit,
                chosen=record.for_log,
                by_default=record.kind in CHOSEN_BY_DEFAULT,
            )
        )
    scores = list(concern.scores.all())
    if scores:
        role, unit = roles.of(author)
        items.append(
            CarryItem(
                key=SCORES,
                title_key="scores",
                title_params={},
                body=", ".join(
                    f"{s.score} / 10 ({_day(s.scored_on).strftime('%d.%m.%Y')})" for s in scores
                ),
                author=author,
                author_name=_name(author),
                author_role=role,
                author_unit=unit,
                chosen=concern.scores_for_log,
                by_default=False,
            )
        )
    return items


def reason_item(concern: Concern, user: User | None, level: int | None, reason: str) -> CarryItem:
    """The reason for the decision being made now, as the family would read it."""
    role, unit = _Roles(concern).of(user)
    title_key, title_params = _title("reason", date=timezone.localdate(), level=level or "–")
    return CarryItem(
        key=REASON,
        title_key=title_key,
        title_params=title_params,
        body=reason,
        author=user,
        author_name=_name(user),
        author_role=role,
        author_unit=unit,
        chosen=False,
        by_default=False,
    )
