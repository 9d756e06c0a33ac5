"""Demo concerns (level 0) for Fjordvik: what a kindergarten teacher and a teacher meet.

| key              | who                 | what it shows                                       |
|------------------|---------------------|-----------------------------------------------------|
| barnehage.raud   | pedagog.barnehage   | anonymous, decision due in two days, shared with   |
|                  |                     | the leader who added her view, two worry scores     |
| barnehage.bla    | pedagog.barnehage   | anonymous, past its decision date (overdue)         |
| skule.4b         | larar.skule         | anonymous, just registered                          |

None is on the violence/abuse path: that path is for staff only, and a demo about a
named child with a guardian would put it one step from a guardian's screen.

Built through the real services; afterwards the dates are moved back in time with
`queryset.update()` (demo code only). Idempotent: each concern has a stable UUID
(`demo_uuid("concern", key)`); an existing one is not built again, and its dates are set
again from the day the demo loads (so "due in two days" stays true).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from stafett.accounts.models import User
from stafett.concerns import services
from stafett.concerns.models import Concern, ConcernShare, WorryScore
from stafett.organisation.models import Unit


@dataclass(frozen=True)
class Step:
    """One step after registering: an observation (by the author), or a share and a view."""

    days_ago: int
    kind: str  # "observation", "share", "view", "score"
    text: str = ""
    score: int = 0


@dataclass(frozen=True)
class DemoConcern:
    key: str
    author: str
    unit: str
    label: str
    noticed: str
    noticed_where: str
    registered_days_ago: int
    decide_in_days: int  # negative: past its date
    score: int
    leader: str = ""
    steps: tuple[Step, ...] = field(default_factory=tuple)


CONCERNS: tuple[DemoConcern, ...] = (
    DemoConcern(
        key="barnehage.raud",
        author="pedagog.barnehage",
        unit="Fjordvik barnehage",
        label="Eit barn på Raud avdeling (4 år)",
        noticed=(
            "Har vore stille og trekt seg frå leiken dei siste vekene. Et lite til lunsj og "
            "vil ikkje gå ut."
        ),
        noticed_where="Frileik og lunsj",
        registered_days_ago=12,
        decide_in_days=2,
        score=4,
        leader="leiar.barnehage",
        steps=(
            Step(10, "observation", "Sat åleine i garderoben ved henting tre dagar på rad."),
            Step(8, "share"),
            Step(7, "view", "Eg har sett det same. Ta ein prat med foreldra denne veka."),
            Step(5, "score", "Meir tilbaketrekt etter helga.", score=5),
        ),
    ),
    DemoConcern(
        key="barnehage.bla",
        author="pedagog.barnehage",
        unit="Fjordvik barnehage",
        label="Gut på Blå avdeling (3 år)",
        noticed="Bit og slår andre barn fleire gonger om dagen, særleg i overgangar.",
        noticed_where="Overgangar, påkledning",
        registered_days_ago=20,
        decide_in_days=-5,
        score=6,
        steps=(Step(18, "observation", "Fire episodar i dag, alle ved påkledning før tur."),),
    ),
    DemoConcern(
        key="skule.4b",
        author="larar.skule",
        unit="Fjordvik skule",
        label="Jente i 4B",
        noticed="Kjem ofte for seint og har ikkje med matpakke. Verkar trøytt i første time.",
        noticed_where="Klasserommet",
        registered_days_ago=1,
        decide_in_days=13,
        score=3,
    ),
)


def load_demo_concerns(*, users: dict[str, User], units: dict[str, Unit]) -> None:
    from stafett.demo.services import demo_uuid

    today = timezone.localdate()
    for data in CONCERNS:
        uuid = demo_uuid("concern", data.key)
        concern = Concern.objects.filter(uuid=uuid).first()
        if concern is None:
            concern = _build(data, users, units, today)
            Concern.objects.filter(pk=concern.pk).update(uuid=uuid)
        _stamp(Concern.objects.get(uuid=uuid), data, today)


def _build(
    data: DemoConcern, users: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> Concern:
    from stafett.demo.logs import demo_actor

    author = demo_actor(users[data.author])
    concern = services.register_concern(
        actor=author,
        unit=units[data.unit],
        kind=Concern.Kind.CHILD,
        label=data.label,
        noticed=data.noticed,
        noticed_on=today - datetime.timedelta(days=data.registered_days_ago),
        noticed_where=data.noticed_where,
        score=data.score,
    )
    for step in data.steps:
        if step.kind == "observation":
            services.add_observation(actor=author, concern=concern, body=step.text)
        elif step.kind == "share":
            services.share_concern(
                actor=author,
                concern=concern,
                user=users[data.leader],
                role=ConcernShare.Role.LEADER,
            )
        elif step.kind == "view":
            services.add_view(actor=demo_actor(users[data.leader]), concern=concern, body=step.text)
        elif step.kind == "score":
            services.add_score(
                actor=author, concern=concern, score=step.score, scored_on=today, note=step.text
            )
    return concern


def _at(today: datetime.date, days_ago: int, hour: int) -> datetime.datetime:
    day = today - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _stamp(concern: Concern, data: DemoConcern, today: datetime.date) -> None:
    """Dates relative to the day the demo loads (the same on every load that day)."""
    registered = data.registered_days_ago
    Concern.objects.filter(pk=concern.pk).update(
        created_at=_at(today, registered, 9),
        noticed_on=today - datetime.timedelta(days=registered),
        decide_by=today + datetime.timedelta(days=data.decide_in_days),
    )
    records = list(concern.records.order_by("id"))
    # The first record is the registration; the others follow the steps that write one
    # (a score writes none).
    stamps = [_at(today, registered, 9)]
    stamps += [_at(today, s.days_ago, 14) for s in data.steps if s.kind != "score"]
    for record, when in zip(records, stamps, strict=False):
        type(record).objects.filter(pk=record.pk).update(created_at=when)
    scores = list(concern.scores.order_by("id"))
    days = [registered] + [s.days_ago for s in data.steps if s.kind == "score"]
    for score, days_ago in zip(scores, days, strict=False):
        WorryScore.objects.filter(pk=score.pk).update(
            scored_on=today - datetime.timedelta(days=days_ago), created_at=_at(today, days_ago, 15)
        )
    ConcernShare.objects.filter(concern=concern).update(
        shared_at=_at(today, next((s.days_ago for s in data.steps if s.kind == "share"), 0), 14),
        first_read_at=_at(today, next((s.days_ago for s in data.steps if s.kind == "view"), 0), 13)
        if any(s.kind == "view" for s in data.steps)
        else None,
    )
