"""Retention and the municipality's archive (issue 12): deleting a closed log removes its
archive folder and documents, and leaves hand-overs with metadata only; a log whose
package has not reached the archive (where a transport is chosen) is kept, and the dry
run says so."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from stafett.archive.models import ArchiveDocument
from stafett.archive.selectors import archive_path
from stafett.delivery.models import ArchiveDelivery, Transport
from stafett.logs.models import RelayLog
from stafett.retention.models import Tombstone
from stafett.retention.services import delete_log, run_retention
from tests.archive.conftest import close
from tests.delivery.helpers import configure
from tests.logs.conftest import LogWorld
from tests.retention.test_retention import _text_anywhere

pytestmark = pytest.mark.django_db

ELEVEN_YEARS = datetime.timedelta(days=11 * 366)
KEPT = "kept (its archive package is not in the archive yet)"


def _folder(lw: LogWorld) -> Path:
    return archive_path(f"{lw.world.municipality.id}/{lw.log.uuid}")


def test_a_delivered_log_goes_with_its_archive_folder_and_keeps_only_hand_over_metadata(
    active_log: LogWorld,
    tmp_path: Path,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setenv("STAFETT_ARCHIVE_DROP_ROOT", str(tmp_path / "drop"))
    configure(active_log.world.municipality, Transport.FOLDER, drop_folder="testvik")
    close(active_log, django_capture_on_commit_callbacks)
    delivery = ArchiveDelivery.objects.get()
    assert delivery.status == ArchiveDelivery.Status.ARCHIVED
    assert any(_folder(active_log).rglob("*.zip"))
    assert _text_anywhere("Mia"), "the test must start with the child's name in the database"

    with django_capture_on_commit_callbacks(execute=True):
        report = run_retention(now=timezone.now() + ELEVEN_YEARS)

    assert [d.uuid for d in report.deleted] == [str(active_log.log.uuid)]
    assert report.kept_for_archive == []
    assert not RelayLog.objects.filter(pk=active_log.log.pk).exists()
    assert not ArchiveDocument.objects.exists()
    assert not _folder(active_log).exists()
    # The hand-over stays as the municipality's proof: status, checksum, reference and
    # steps; the submission (paths, Noark metadata with names) is emptied.
    delivery.refresh_from_db()
    assert delivery.status == ArchiveDelivery.Status.ARCHIVED
    assert delivery.submission == {}
    assert delivery.log_uuid == active_log.log.uuid
    assert delivery.steps.count() == 1
    assert _text_anywhere("Mia") == []
    assert _text_anywhere("Eva Tilsett") == []  # the coordinator's name went with it
    # What was handed to the archive is the archive's: its drop folder is not touched.
    assert (tmp_path / "drop" / "testvik" / delivery.reference).is_file()


def test_a_log_not_yet_in_the_archive_is_kept_and_the_dry_run_says_so(
    active_log: LogWorld,
    monkeypatch: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The folder drop has no root: the hand-over fails, so the archive has nothing.
    monkeypatch.delenv("STAFETT_ARCHIVE_DROP_ROOT", raising=False)
    configure(active_log.world.municipality, Transport.FOLDER, drop_folder="testvik")
    close(active_log, django_capture_on_commit_callbacks)
    delivery = ArchiveDelivery.objects.get()
    assert delivery.status == ArchiveDelivery.Status.FAILED
    log = active_log.log
    RelayLog.objects.filter(pk=log.pk).update(closed_at=timezone.now() - ELEVEN_YEARS)

    report = run_retention(dry_run=True)
    assert report.would_delete == []
    assert [d.uuid for d in report.kept_for_archive] == [str(log.uuid)]
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert f"{KEPT}: testvik relay_log {log.uuid}" in out.getvalue()
    assert "Mia" not in out.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        report = run_retention()
        assert delete_log(log_id=log.pk) is None
    assert report.deleted == []
    assert RelayLog.objects.filter(pk=log.pk).exists()
    assert _folder(active_log).exists()
    assert not Tombstone.objects.exists()

    # Once the package is in the archive, the log goes at the next run.
    monkeypatch.setenv("STAFETT_ARCHIVE_DROP_ROOT", str(tmp_path / "drop"))
    ArchiveDelivery.objects.filter(pk=delivery.pk).update(
        status=ArchiveDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
    from stafett.delivery import services as delivery_services

    delivery_services.attempt(delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        report = run_retention()
    assert [d.uuid for d in report.deleted] == [str(log.uuid)]
    assert not _folder(active_log).exists()


def test_an_older_package_archived_is_not_enough_when_a_newer_one_is_not(
    active_log: LogWorld, tmp_path: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setenv("STAFETT_ARCHIVE_DROP_ROOT", str(tmp_path / "drop"))
    configure(active_log.world.municipality, Transport.FOLDER, drop_folder="testvik")
    first = close(active_log, django_capture_on_commit_callbacks)
    newer = ArchiveDocument.objects.create(
        municipality_id=first.municipality_id,
        log=first.log,
        kind=ArchiveDocument.Kind.ON_DEMAND,
        language="nn",
        status=ArchiveDocument.Status.READY,
        finished_at=timezone.now() + datetime.timedelta(minutes=1),
        package_sha256="f" * 64,
    )
    assert newer.is_ready
    report = run_retention(now=timezone.now() + ELEVEN_YEARS, dry_run=True)
    assert [d.uuid for d in report.kept_for_archive] == [str(active_log.log.uuid)]


def test_without_a_transport_the_log_goes_and_so_does_its_archive_folder(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any
) -> None:
    close(active_log, django_capture_on_commit_callbacks)
    assert ArchiveDelivery.objects.count() == 0
    assert _folder(active_log).exists()
    with django_capture_on_commit_callbacks(execute=True):
        report = run_retention(now=timezone.now() + ELEVEN_YEARS)
    assert [d.uuid for d in report.deleted] == [str(active_log.log.uuid)]
    assert not _folder(active_log).exists()
    assert not ArchiveDocument.objects.exists()
    assert _text_anywhere("Mia") == []


def test_the_folder_is_only_removed_once_the_deletion_commits(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any
) -> None:
    close(active_log, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert delete_log(log_id=active_log.log.pk, now=timezone.now() + ELEVEN_YEARS)
    assert _folder(active_log).exists()  # not yet: the transaction has not committed
    for callback in callbacks:
        callback()
    assert not _folder(active_log).exists()
