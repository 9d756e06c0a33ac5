"""`manage.py bench`: time the log page and the coordinator's home on a large data set.

Run it through `make bench`, which points DATABASE_URL at a throw-away SQLite file.
It refuses a database that already holds a municipality, so it can never write into
real data. It builds `--logs` relay logs of `--entries` entries each (bulk inserts on
SQLite, COPY on PostgreSQL: `insert` below), then requests pages through the Django
test client as a coordinator who holds `--per-coordinator` logs, and prints the median
and 95th percentile. The last line is

    bench: log_page_p50_ms=<n> log_page_p95_ms=<n> home_p95_ms=<n> healthz_p50_ms=<n> \
log_page_queries=<n>

(one line; broken here for width).
"""

from __future__ import annotations

import datetime
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.models import User
from stafett.consent.models import Consent, ConsentGiver, ConsentUnit
from stafett.logs import events
from stafett.logs.models import (
    Effect,
    Entry,
    EntryKind,
    EntryVersion,
    MeasureStatus,
    MeetingKind,
    Participant,
    RelayLog,
    Step,
)
from stafett.organisation.models import Membership, Municipality, ServiceCategory, ServiceKind, Unit
from stafett.people.models import Guardianship, Subject

# The 30 entries of a log, by kind (scaled when --entries differs).
ENTRY_MIX: list[EntryKind] = (
    [EntryKind.EVENT] * 4
    + [EntryKind.UNDERSTANDING]
    + [EntryKind.GOAL] * 2
    + [EntryKind.MEASURE] * 6
    + [EntryKind.MEETING] * 5
    + [EntryKind.EVALUATION] * 4
    + [EntryKind.BRIGHT_SPOT] * 3
    + [EntryKind.CHILD_VOICE] * 2
    + [EntryKind.NOTE] * 2
    + [EntryKind.DECISION]
)
TEXT = (
    "Vi møttest i barnehagen og snakka om korleis veka har vore. Barnet har hatt fleire "
    "gode dagar, og foreldra fortel at morgonane går lettare. Vi held fram som avtalt."
)
CHUNK = 500  # logs per transaction while building (SQLite)
PG_CHUNK = 2000  # ... and on PostgreSQL, where the rows go in by COPY
CHILDREN_PER_GUARDIAN = 2  # each guardian has parental responsibility for two children


def insert(model: type[Model], rows: list[Any]) -> list[Any]:
    """Write `rows` (unsaved instances of `model`) and return them with their ids.

    On PostgreSQL the rows go in by one COPY (ids taken from the table's sequence first,
    values prepared by the model's own fields, so they are stored as `save()` would
    store them); elsewhere by `bulk_create`. Like `bulk_create`, no signals are sent.
    """
    if not rows:
        return rows
    if connection.vendor != "postgresql":
        return list(model._default_manager.bulk_create(rows))
    db = connections[DEFAULT_DB_ALIAS]  # the object itself: `connection` is a proxy
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk
    assert pk is not None
    missing = [row for row in rows if row.pk is None]
    with db.cursor() as cursor:
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(missing)],
            )
            for row, (new_id,) in zip(missing, cursor.fetchall(), strict=True):
                row.pk = new_id
        fields = meta.concrete_fields
        columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [field.get_db_prep_save(field.pre_save(row, True), db) for field in fields]
                )
    for row in rows:
        row._state.adding = False
        row._state.db = db.alias
    return rows


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


class Command(BaseCommand):
    help = "Build a large throw-away data set and time the log page and the home page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logs", type=int, default=10_000)
        parser.add_argument("--entries", type=int, default=30)
        parser.add_argument("--per-coordinator", type=int, default=200)
        parser.add_argument("--requests", type=int, default=200, help="log page requests")
        parser.add_argument("--seed", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.STAFETT_PRODUCTION:
            raise CommandError("The bench never runs in production.")
        if Municipality.objects.exists():
            raise CommandError(
                "bench needs an empty, throw-away database (use `make bench`, which makes "
                "one); this one already holds data."
            )
        random.seed(options["seed"])
        started = time.perf_counter()
        coordinator, log_uuids = self.build(
            logs=options["logs"],
            entries=options["entries"],
            per_coordinator=options["per_coordinator"],
        )
        built = time.perf_counter() - started
        self.stdout.write(
            f"built {options['logs']} logs × {options['entries']} entries in {built:.0f} s "
            f"({connection.vendor}, Python {platform.python_version()})"
        )
        self.measure(coordinator, log_uuids, requests=options["requests"])

    # --- the data set ---------------------------------------------------------------

    def build(self, *, logs: int, entries: int, per_coordinator: int) -> tuple[User, list[Any]]:
        today = timezone.localdate()
        now = timezone.now()
        password = make_password(None)
        with transaction.atomic():
            municipality = Municipality.objects.create(name="Benchvik kommune")
            kg_kind = ServiceKind.objects.create(
                municipality=municipality, name="Barnehage", category=ServiceCategory.BASIS
            )
            school_kind = ServiceKind.objects.create(
                municipality=municipality, name="Skule", category=ServiceCategory.BASIS
            )
            n_coordinators = max(1, -(-logs // per_coordinator))
            units = [
                Unit.objects.create(
                    municipality=municipality,
                    name=f"Eining {i}",
                    service_kind=kg_kind if i % 2 == 0 else school_kind,
                )
                for i in range(max(2, n_coordinators // 10 + 1))
            ]
            coordinators = User.objects.bulk_create(
                [
                    User(
                        username=f"koordinator{i}",
                        first_name="Koordinator",
                        last_name=str(i),
                        municipality=municipality,
                        kind=User.Kind.STAFF,
                        password=password,
                    )
                    for i in range(n_coordinators)
                ]
            )
            helpers = User.objects.bulk_create(
                [
                    User(
                        username=f"deltakar{i}",
                        first_name="Deltakar",
                        last_name=str(i),
                        municipality=municipality,
                        kind=User.Kind.STAFF,
                        password=password,
                    )
                    for i in range(len(units))
                ]
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        municipality=municipality,
                        unit=units[i % len(units)],
                        user=user,
                        role=Membership.Role.EMPLOYEE,
                    )
                    for i, user in enumerate(coordinators)
                ]
                + [
                    Membership(
                        municipality=municipality,
                        unit=unit,
                        user=helper,
                        role=Membership.Role.EMPLOYEE,
                    )
                    for unit, helper in zip(units, helpers, strict=True)
                ]
            )
            TOTPDevice.objects.create(user=coordinators[0], name="bench", confirmed=True)

        mix = [ENTRY_MIX[i % len(ENTRY_MIX)] for i in range(entries)]
        uuids_of_first: list[Any] = []
        next_entry_id = (
            Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        next_version_id = (
            EntryVersion.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        invited_through = EntryVersion.invited.through
        chunk = PG_CHUNK if connection.vendor == "postgresql" else CHUNK
        chunk -= chunk % CHILDREN_PER_GUARDIAN
        for chunk_start in range(0, logs, chunk):
            size = min(chunk, logs - chunk_start)
            with transaction.atomic():
                guardians = insert(
                    User,
                    [
                        User(
                            username=f"foresatt{(chunk_start + i) // CHILDREN_PER_GUARDIAN}",
                            first_name="Foresatt",
                            last_name=str((chunk_start + i) // CHILDREN_PER_GUARDIAN),
                            municipality=municipality,
                            kind=User.Kind.CITIZEN,
                            password=password,
                        )
                        for i in range(0, size, CHILDREN_PER_GUARDIAN)
                    ],
                )
                subjects = insert(
                    Subject,
                    [
                        Subject(
                            municipality=municipality,
                            first_name=f"Barn{chunk_start + i}",
                            last_name="Benchvik",
                            birth_date=today
                            - datetime.timedelta(days=800 + (chunk_start + i) % 5000),
                        )
                        for i in range(size)
                    ],
                )
                insert(
                    Guardianship,
                    [
                        Guardianship(
                            municipality=municipality,
                            subject=subject,
                            guardian=guardians[i // CHILDREN_PER_GUARDIAN],
                            relation=Guardianship.Relation.MOTHER,
                        )
                        for i, subject in enumerate(subjects)
                    ],
                )
                relay_logs: list[RelayLog] = []
                for i, subject in enumerate(subjects):
                    index = chunk_start + i
                    coordinator = coordinators[index // per_coordinator]
                    unit = units[(index // per_coordinator) % len(units)]
                    relay_logs.append(
                        RelayLog(
                            municipality=municipality,
                            subject=subject,
                            origin_unit=unit,
                            unit=unit,
                            coordinator=coordinator,
                            level=1 + index % 3,
                            step=Step.values[index % len(Step.values)],
                            status=RelayLog.Status.ACTIVE,
                            created_by=coordinator,
                            created_at=now - datetime.timedelta(days=365),
                            activated_at=now - datetime.timedelta(days=360),
                            updated_at=now - datetime.timedelta(minutes=index),
                        )
                    )
                relay_logs = insert(RelayLog, relay_logs)
                consents = insert(
                    Consent,
                    [
                        Consent(
                            municipality=municipality,
                            log=log,
                            purpose="Samarbeid",
                            valid_from=today - datetime.timedelta(days=300),
                            valid_to=today + datetime.timedelta(days=65 + i % 60),
                            method=Consent.Method.DIGITAL,
                            requested_by=log.coordinator,
                            created_at=now - datetime.timedelta(days=300),
                            completed_at=now - datetime.timedelta(days=299),
                        )
                        for i, log in enumerate(relay_logs)
                    ],
                )
                insert(
                    ConsentGiver,
                    [
                        ConsentGiver(
                            consent=consent,
                            person=guardians[i // CHILDREN_PER_GUARDIAN],
                            name="Foresatt",
                            given_at=consent.completed_at,
                            method=Consent.Method.DIGITAL,
                        )
                        for i, consent in enumerate(consents)
                    ],
                )
                helper_units: list[tuple[Unit, User]] = []
                scope: list[ConsentUnit] = []
                for consent, log in zip(consents, relay_logs, strict=True):
                    other = (units.index(log.unit) + 1) % len(units)
                    helper_units.append((units[other], helpers[other]))
                    for unit in {log.unit, units[other]}:
                        scope.append(
                            ConsentUnit(
                                consent=consent,
                                unit=unit,
                                added_by=log.coordinator,
                                confirmed_at=consent.completed_at,
                            )
                        )
                insert(ConsentUnit, scope)
                participants = insert(
                    Participant,
                    [
                        Participant(
                            log=log,
                            user=helper,
                            unit=unit,
                            task="Deltek i samarbeidet",
                            added_by=log.coordinator,
                            added_at=now - datetime.timedelta(days=298),
                        )
                        for log, (unit, helper) in zip(relay_logs, helper_units, strict=True)
                    ],
                )
                entry_rows: list[Entry] = []
                version_rows: list[EntryVersion] = []
                invited_rows: list[Any] = []
                for log, participant in zip(relay_logs, participants, strict=True):
                    if log.coordinator_id == coordinators[0].id:
                        uuids_of_first.append(log.uuid)
                    measures: list[int] = []
                    for position, kind in enumerate(mix):
                        at = now - datetime.timedelta(days=290 - position * 9, hours=position)
                        entry_id, version_id = next_entry_id, next_version_id
                        next_entry_id += 1
                        next_version_id += 1
                        by_coordinator = position % 3 != 1
                        entry_rows.append(
                            Entry(
                                id=entry_id,
                                log=log,
                                kind=kind,
                                created_at=at,
                                created_by_id=log.coordinator_id
                                if by_coordinator
                                else participant.user_id,
                                latest_id=version_id,
                                version_count=1,
                            )
                        )
                        version = EntryVersion(
                            id=version_id,
                            entry_id=entry_id,
                            number=1,
                            author_id=log.coordinator_id if by_coordinator else participant.user_id,
                            author_name="Koordinator" if by_coordinator else "Deltakar",
                            author_role="coordinator" if by_coordinator else "participant",
                            author_unit_id=log.unit_id if by_coordinator else participant.unit_id,
                            created_at=at,
                            body=TEXT,
                        )
                        _fill(version, kind, position, today, at, participant, measures)
                        if kind == EntryKind.MEASURE:
                            measures.append(entry_id)
                        if kind == EntryKind.MEETING:
                            for user_id in (log.coordinator_id, participant.user_id):
                                invited_rows.append(
                                    invited_through(entryversion_id=version_id, user_id=user_id)
                                )
                        version_rows.append(version)
                # Entries point at their versions and versions at their entries: both
                # foreign keys are checked at commit, so one insert each is enough.
                insert(Entry, entry_rows)
                insert(EntryVersion, version_rows)
                insert(invited_through, invited_rows)
            self.stdout.write(f"  {chunk_start + size} logs", ending="\r")
            self.stdout.flush()
        self.stdout.write("")
        if connection.vendor == "postgresql":  # explicit ids: move the sequences on
            from django.core.management.color import no_style

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Entry, EntryVersion]):
                    cursor.execute(sql)
        return coordinators[0], uuids_of_first

    # --- the measurements -----------------------------------------------------------

    def measure(self, coordinator: User, log_uuids: list[Any], *, requests: int) -> None:
        client = Client()
        client.force_login(coordinator, backend="stafett.accounts.backends.StafettBackend")
        device = TOTPDevice.objects.get(user=coordinator)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

        def timed(url: str, times: int) -> list[float]:
            durations: list[float] = []
            for _ in range(times):
                start = time.perf_counter()
                response = client.get(url)
                durations.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
            return durations

        def timed_each(urls: list[str]) -> list[float]:
            return [timed(url, 1)[0] for url in urls]

        healthz = reverse("healthz")
        home = reverse("home:home")
        timed(healthz, 20)  # warm up
        timed(home, 5)
        healthz_ms = timed(healthz, 200)
        home_ms = timed(home, 50)
        self.report("healthz", healthz_ms)
        self.report(f"home (coordinator, {len(log_uuids)} logs)", home_ms)

        log_page: Callable[[Any], str] | None
        try:
            reverse("logs:detail", kwargs={"log": log_uuids[0]})
            log_page = lambda log_uuid: reverse("logs:detail", kwargs={"log": log_uuid})  # noqa: E731
        except NoReverseMatch:
            log_page = None
        log_ms: list[float] = []
        queries = 0
        if log_page is not None:
            urls = [log_page(random.choice(log_uuids)) for _ in range(requests)]
            timed_each(urls[:10])  # warm up
            log_ms = timed_each(urls)
            with CaptureQueriesContext(connection) as ctx:
                client.get(urls[0])
            queries = len(ctx.captured_queries)
            self.report(
                f"log page ({Entry.objects.filter(log__uuid=log_uuids[0]).count()} entries)",
                log_ms,
            )
            self.stdout.write(f"log page queries: {queries}")
        else:
            self.stdout.write("log page: logs:detail does not exist yet, not measured")
        self.stdout.write(
            "bench: "
            f"log_page_p50_ms={statistics.median(log_ms) if log_ms else 0:.0f} "
            f"log_page_p95_ms={percentile(log_ms, 95) if log_ms else 0:.0f} "
            f"home_p95_ms={percentile(home_ms, 95):.0f} "
            f"healthz_p50_ms={statistics.median(healthz_ms):.0f} "
            f"log_page_queries={queries}"
        )

    def report(self, name: str, values: list[float]) -> None:
        self.stdout.write(
            f"{name}: n={len(values)} p50={statistics.median(values):.1f} ms "
            f"p95={percentile(values, 95):.1f} ms max={max(values):.1f} ms"
        )


def _fill(
    version: EntryVersion,
    kind: str,
    position: int,
    today: datetime.date,
    at: datetime.datetime,
    participant: Participant,
    measures: list[int],
) -> None:
    """Kind-specific fields, so that the timeline renders every kind of entry."""
    if kind == EntryKind.GOAL:
        version.title = f"Mål {position}"
    elif kind == EntryKind.MEASURE:
        version.title = f"Tiltak {position}"
        version.responsible = participant.user
        version.responsible_unit = participant.unit
        version.start_date = at.date()
        version.evaluation_date = today + datetime.timedelta(days=position * 3 - 45)
        version.measure_status = MeasureStatus.RUNNING
    elif kind == EntryKind.MEETING:
        version.meeting_kind = MeetingKind.EVALUATION if position % 2 else MeetingKind.START_UP
        version.starts_at = at + datetime.timedelta(days=7)
        version.place = "Møterommet"
        version.agenda = "1. Korleis går det?\n2. Tiltak\n3. Vegen vidare"
        version.minutes = TEXT
        version.decisions = "Vi held fram."
    elif kind == EntryKind.EVALUATION:
        version.measure_id = measures[-1] if measures else None
        version.effect = Effect.SOMEWHAT
        version.next_steps = "Held fram to månader til."
        if version.measure_id is None:
            version.effect = ""
    elif kind == EntryKind.CHILD_VOICE:
        version.voice_mode = "recorded"
    elif kind == EntryKind.DECISION:
        version.decision_kind = "step"
        version.from_step, version.to_step = Step.START, Step.PLANNING
        version.from_level = version.to_level = 2
    elif kind == EntryKind.EVENT:
        # Written the way `add_event` writes it: the kind and its parameters.
        version.event_type = "participant.added"
        version.event_params = events.params_for(
            "participant.added",
            person=participant.user,
            unit=participant.unit.name,
            task=participant.task,
        )
        version.body = events.english("participant.added", version.event_params)
