"""Retention: a closed log is deleted after its time (time moved with `now=`), leaving
only a tombstone; an open or reopened log never goes; a concern that led nowhere goes
after its own period."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, models
from django.db.models.functions import Cast
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.concerns import services as concern_services
from stafett.concerns.models import Concern
from stafett.home.models import LogVisit
from stafett.logs.models import EntryKind, RelayLog
from stafett.logs.services import add_entry, close_log, start_log
from stafett.notifications.models import Notification
from stafett.people.models import Subject
from stafett.retention import selectors
from stafett.retention.graph import collect
from stafett.retention.models import Tombstone
from stafett.retention.services import OpenLogError, _check_scope, delete_log, run_retention
from tests.logs.conftest import LogWorld, as_actor

ELEVEN_YEARS = datetime.timedelta(days=11 * 366)
NINE_YEARS = datetime.timedelta(days=9 * 365)


def _fill_and_close(lw: LogWorld, *, media: Path) -> RelayLog:
    """A log with the pieces that hang on it, then closed."""
    w, log = lw.world, lw.log
    coordinator = as_actor(w.employee)
    add_entry(actor=coordinator, log=log, kind=EntryKind.GOAL, title="Mia trivst i leiken")
    add_entry(
        actor=coordinator,
        log=log,
        kind=EntryKind.MEASURE,
        title="Fast vaksen for Mia",
        responsible=lw.participant.user,
        start_date=timezone.localdate(),
        evaluation_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    add_entry(
        actor=coordinator,
        log=log,
        kind=EntryKind.MEETING,
        meeting_kind="start_up",
        starts_at=timezone.localtime().replace(second=0, microsecond=0)
        + datetime.timedelta(days=3),
        place="Solsida",
        invited=[w.employee, w.guardian],
    )
    add_entry(actor=as_actor(w.guardian), log=log, kind=EntryKind.BRIGHT_SPOT, body="Mia lo")
    add_entry(actor=coordinator, log=log, kind=EntryKind.NOTE, body="Mia Mor var glad i dag.")
    # A concern carried into the log, with its own history.
    concern = concern_services.register_concern(
        actor=coordinator,
        unit=w.kindergarten,
        kind="child",
        label="M",
        noticed="Mia Mor sit mykje åleine.",
        noticed_on=timezone.localdate(),
        subject=w.child,
    )
    Concern.objects.filter(pk=concern.pk).update(log=log, status=Concern.Status.LOG)
    # A scanned consent form: a stored file.
    lw.consent.scanned_form.save("mia-samtykke.pdf", ContentFile(b"%PDF-1.4 Mia"), save=True)
    LogVisit.objects.create(user=w.employee, log=log)
    close_log(actor=coordinator, log=log, reason="Måla er nådde.", close_reason="goals_met")
    log.refresh_from_db()
    assert Notification.objects.filter(log=log).exists()
    return log


def _reopen(log: RelayLog) -> None:
    """The log as `logs.services.reopen_log` leaves it (active, no closing date); the
    reopening itself (who may, with which consent) is tested in tests/logs."""
    RelayLog.objects.filter(pk=log.pk).update(
        status=RelayLog.Status.ACTIVE, closed_at=None, close_reason=""
    )


def _references_to(log_pk: int, log_uuid: Any) -> list[str]:
    """Every row in the database that still points at the log, by key or by uuid. The
    tombstone keeps the uuid on purpose; the access log keeps its rows under its own
    rule (they name the log's uuid, never the child)."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is RelayLog:
                lookup: dict[str, Any] = {f.attname: log_pk}
            elif isinstance(f, models.UUIDField) and model not in (Tombstone, AccessLogEntry):
                lookup = {f.name: log_uuid}
            else:
                continue
            if model._base_manager.filter(**lookup).exists():
                found.append(f"{model._meta.label}.{f.name}")
    return found


def _text_anywhere(needle: str) -> list[str]:
    """Every text or JSON column, in every table (the access log too), that contains
    `needle`."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if not isinstance(f, (models.CharField, models.TextField, models.JSONField)):
                continue
            rows = model._base_manager.annotate(_as_text=Cast(f.name, models.TextField()))
            if rows.filter(_as_text__icontains=needle).exists():
                found.append(f"{model._meta.label}.{f.name}")
    return found


def _date_anywhere(day: datetime.date) -> list[str]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if type(f) is models.DateField and model._base_manager.filter(**{f.name: day}).exists():
                found.append(f"{model._meta.label}.{f.name}")
    return found


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def test_a_closed_log_is_deleted_after_its_time_and_leaves_only_a_tombstone(
    active_log: LogWorld, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    w = active_log.world
    log = _fill_and_close(active_log, media=media)
    log_pk, log_uuid, birth = log.pk, log.uuid, w.child.birth_date
    stored = list(media.rglob("*.pdf"))
    assert len(stored) == 1
    assert _text_anywhere("Mia"), "the test must start with the child's name in the database"

    # Nine years on, nothing is due (the municipality keeps closed logs for ten).
    assert run_retention(now=timezone.now() + NINE_YEARS).deleted == []
    assert RelayLog.objects.filter(pk=log_pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        report = run_retention(now=timezone.now() + ELEVEN_YEARS)

    assert [(d.kind, d.uuid) for d in report.deleted] == [("relay_log", str(log_uuid))]
    # No row anywhere points at the log, the child's row is gone, and neither the
    # child's name nor the birth date is left in any table.
    assert _references_to(log_pk, log_uuid) == []
    assert not Subject.objects.filter(pk=w.child.pk).exists()
    assert _text_anywhere("Mia") == []
    assert _date_anywhere(birth) == []
    # The scanned form is removed from storage once the deletion committed.
    assert not stored[0].exists()
    # Foreign keys still hold everywhere (they are checked at commit).
    connection.check_constraints()
    stones = {(s.kind, s.rule) for s in Tombstone.objects.all()}
    assert stones == {("relay_log", "closed_log"), ("concern", "with_log")}
    stone = Tombstone.objects.get(kind="relay_log")
    assert stone.original_uuid == log_uuid
    assert stone.original_id == log_pk
    assert stone.closed_at == log.closed_at
    assert stone.period_months == 120
    assert stone.closed_how == "goals_met"
    assert stone.rows_deleted > 20 and stone.files_deleted == 1
    # The deletion itself is in the access log, without a person.
    row = AccessLogEntry.objects.get(action="retention.delete")
    assert (row.actor_id, row.object_uuid, row.subject_uuid) == (None, log_uuid, None)
    # The guardians and staff are untouched.
    assert w.guardian.__class__.objects.filter(pk=w.guardian.pk).exists()


def test_the_child_stays_while_another_log_or_concern_of_theirs_lives(
    active_log: LogWorld, media: Path
) -> None:
    w = active_log.world
    log = _fill_and_close(active_log, media=media)
    newer = start_log(actor=as_actor(w.employee), subject=w.child, unit=w.kindergarten, level=1)
    run_retention(now=timezone.now() + ELEVEN_YEARS)
    assert not RelayLog.objects.filter(pk=log.pk).exists()
    # The child's newer log lives on, and with it the child's own row.
    assert RelayLog.objects.filter(pk=newer.pk).exists()
    assert Subject.objects.get(pk=w.child.pk).first_name == "Mia"


def test_an_open_log_is_never_deleted(active_log: LogWorld) -> None:
    log = active_log.log
    assert log.status == RelayLog.Status.ACTIVE
    later = timezone.now() + ELEVEN_YEARS * 5
    assert not selectors.logs_due(log.municipality, now=later).exists()
    with pytest.raises(OpenLogError):
        delete_log(log_id=log.pk, now=later)
    # Even with a closing date in the past, a log that is not closed stays (the query's
    # own guard, not only the service's check).
    RelayLog.objects.filter(pk=log.pk).update(closed_at=timezone.now() - ELEVEN_YEARS)
    assert not selectors.logs_due(log.municipality, now=later).exists()
    assert run_retention(now=later).deleted == []
    assert RelayLog.objects.filter(pk=log.pk).exists()
    assert not Tombstone.objects.exists()


def test_a_log_closed_and_reopened_is_skipped(active_log: LogWorld, media: Path) -> None:
    log = _fill_and_close(active_log, media=media)
    _reopen(log)
    report = run_retention(now=timezone.now() + ELEVEN_YEARS)
    assert report.deleted == [] and report.failed == 0
    assert RelayLog.objects.get(pk=log.pk).status == RelayLog.Status.ACTIVE
    assert not Tombstone.objects.exists()


def test_a_log_reopened_after_it_was_listed_is_skipped_at_deletion(
    active_log: LogWorld, media: Path
) -> None:
    log = _fill_and_close(active_log, media=media)
    later = timezone.now() + ELEVEN_YEARS
    assert list(selectors.logs_due(log.municipality, now=later)) == [log]
    _reopen(log)
    with pytest.raises(OpenLogError):
        delete_log(log_id=log.pk, now=later)
    assert RelayLog.objects.filter(pk=log.pk).exists()


def test_a_concern_that_led_nowhere_goes_after_its_period(world: Any) -> None:
    eva = as_actor(world.employee)
    concern = concern_services.register_concern(
        actor=eva,
        unit=world.kindergarten,
        kind="child",
        label="Guten på raud avdeling",
        noticed="Han et lite.",
        noticed_on=timezone.localdate(),
    )
    concern_services.decide_concern(
        actor=eva, concern=concern, outcome="close", reason="Det gjekk over."
    )
    open_one = concern_services.register_concern(
        actor=eva,
        unit=world.kindergarten,
        kind="child",
        label="Jenta på blå",
        noticed="Ho gret.",
        noticed_on=timezone.localdate(),
    )
    # A closed concern that took the violence/abuse path did lead somewhere: it stays.
    violence = concern_services.register_concern(
        actor=eva,
        unit=world.kindergarten,
        kind="child",
        label="Guten på grøn",
        noticed="Blåmerke.",
        noticed_on=timezone.localdate(),
    )
    Concern.objects.filter(pk=violence.pk).update(
        status=Concern.Status.CLOSED, violence_path_at=timezone.now()
    )
    assert run_retention(now=timezone.now() + datetime.timedelta(days=300)).deleted == []
    report = run_retention(now=timezone.now() + datetime.timedelta(days=400))
    assert [d.uuid for d in report.deleted] == [str(concern.uuid)]
    assert not Concern.objects.filter(pk=concern.pk).exists()
    assert Concern.objects.filter(pk=open_one.pk).exists()
    assert Concern.objects.filter(pk=violence.pk).exists()
    assert _text_anywhere("raud avdeling") == []
    stone = Tombstone.objects.get()
    assert (stone.kind, stone.rule, stone.period_months) == ("concern", "concern", 12)


def test_the_dry_run_lists_without_deleting_and_names_nobody(
    active_log: LogWorld, media: Path
) -> None:
    log = _fill_and_close(active_log, media=media)
    out = StringIO()
    later = timezone.now() + ELEVEN_YEARS
    report = run_retention(now=later, dry_run=True)
    assert [d.uuid for d in report.would_delete] == [str(log.uuid)]
    call_command("retention", "--dry-run", stdout=out)
    # Today nothing is due; the command says so.
    assert "0 would delete." in out.getvalue()
    assert RelayLog.objects.filter(pk=log.pk).exists()
    assert not Tombstone.objects.exists()


def test_the_commands_delete_and_print_metadata_only(
    active_log: LogWorld, media: Path, monkeypatch: Any
) -> None:
    log = _fill_and_close(active_log, media=media)
    RelayLog.objects.filter(pk=log.pk).update(closed_at=timezone.now() - ELEVEN_YEARS)
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert f"would delete: testvik relay_log {log.uuid}" in out.getvalue()
    assert "Mia" not in out.getvalue()
    assert RelayLog.objects.filter(pk=log.pk).exists()
    out = StringIO()
    call_command("retention", stdout=out)
    assert f"deleted: testvik relay_log {log.uuid}" in out.getvalue()
    assert "1 deleted, 0 skipped, 0 failed." in out.getvalue()
    assert not RelayLog.objects.filter(pk=log.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_deletion_commits_with_every_foreign_key_checked(
    transactional_db: Any, active_log: LogWorld, media: Path
) -> None:
    """Outside a test transaction each deletion really commits, so the database checks
    the deferred foreign keys then: a row left pointing at a deleted one would fail."""
    log = _fill_and_close(active_log, media=media)
    report = run_retention(now=timezone.now() + ELEVEN_YEARS)
    assert report.failed == 0
    assert [d.uuid for d in report.deleted] == [str(log.uuid)]
    assert not RelayLog.objects.filter(pk=log.pk).exists()
    assert Tombstone.objects.filter(original_uuid=log.uuid).exists()


def test_a_failed_deletion_rolls_back_and_the_run_goes_on(
    active_log: LogWorld, media: Path, monkeypatch: Any
) -> None:
    log = _fill_and_close(active_log, media=media)
    from stafett.retention import services

    def broken(found: Any, using: str = "default") -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "delete_collected", broken)
    report = run_retention(now=timezone.now() + ELEVEN_YEARS)
    assert (report.deleted, report.failed) == ([], 1)
    assert RelayLog.objects.filter(pk=log.pk).exists()
    assert not Tombstone.objects.exists()
    assert not AccessLogEntry.objects.filter(action="retention.delete").exists()


def test_a_log_reopened_between_the_list_and_its_deletion_counts_as_skipped(
    active_log: LogWorld, media: Path, monkeypatch: Any
) -> None:
    log = _fill_and_close(active_log, media=media)
    later = timezone.now() + ELEVEN_YEARS
    listed = list(selectors.logs_due(log.municipality, now=later))
    _reopen(log)
    monkeypatch.setattr(
        selectors,
        "logs_due",
        lambda municipality, now: _Listed(
            [seen for seen in listed if seen.municipality_id == municipality.id]
        ),
    )
    report = run_retention(now=later)
    assert (report.deleted, report.skipped, report.failed) == ([], 1, 0)
    assert RelayLog.objects.filter(pk=log.pk).exists()


class _Listed:
    """The list as the run saw it before the log was reopened."""

    def __init__(self, logs: list[RelayLog]) -> None:
        self.logs = logs

    def values_list(self, *fields: str) -> list[tuple[Any, ...]]:
        return [tuple(getattr(log, name) for name in fields) for log in self.logs]


def test_the_last_guard_refuses_a_walk_outside_the_object(
    active_log: LogWorld, media: Path
) -> None:
    """Before anything is deleted, the collected rows are checked: another relay log, or
    a row of another municipality, stops the deletion."""
    w = active_log.world
    log = _fill_and_close(active_log, media=media)
    other = start_log(actor=as_actor(w.employee), subject=w.child, unit=w.kindergarten, level=1)
    found = collect([log, other])
    with pytest.raises(RuntimeError, match="another relay log"):
        _check_scope(found, municipality_id=w.municipality.id, log_ids={log.pk})
    found = collect([log])
    _check_scope(found, municipality_id=w.municipality.id, log_ids={log.pk})
    found.rows[Subject].add(w.other_child.pk)
    with pytest.raises(RuntimeError, match="cross a municipality"):
        _check_scope(found, municipality_id=w.municipality.id, log_ids={log.pk})
