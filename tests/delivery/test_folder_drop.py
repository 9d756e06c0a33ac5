"""The folder drop: the package lands whole, atomically, once."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from stafett.delivery import services
from stafett.delivery.folder import FolderDrop
from stafett.delivery.models import ArchiveDelivery, DeliveryStep, Transport
from stafett.delivery.submission import SubmissionError
from tests.conftest import World
from tests.delivery.helpers import configure, submission

pytestmark = pytest.mark.django_db


def test_the_package_is_copied_whole_under_the_logs_name(tmp_path: Path, world: World) -> None:
    (tmp_path / "src").mkdir()
    sub = submission(tmp_path / "src", world.municipality.id)
    drop = FolderDrop(tmp_path / "drop")
    result = drop.submit(sub)
    target = tmp_path / "drop" / result.reference
    assert result.status == "archived"
    assert target.name.startswith(f"stafett-{sub.log_uuid}-")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sub.package_sha256
    # No temporary file is left behind.
    assert [p.name for p in (tmp_path / "drop").iterdir()] == [target.name]


def test_a_second_drop_of_the_same_package_changes_nothing(tmp_path: Path, world: World) -> None:
    (tmp_path / "src").mkdir()
    sub = submission(tmp_path / "src", world.municipality.id)
    drop = FolderDrop(tmp_path / "drop")
    first = drop.submit(sub)
    target = tmp_path / "drop" / first.reference
    before = target.stat().st_mtime_ns
    second = drop.submit(sub)
    assert second.reference == first.reference
    assert second.steps == [("written", "already there")]
    assert target.stat().st_mtime_ns == before


def test_a_changed_package_is_refused_and_nothing_is_written(tmp_path: Path, world: World) -> None:
    (tmp_path / "src").mkdir()
    sub = submission(tmp_path / "src", world.municipality.id)
    sub.package_path.write_bytes(b"not the package any more")
    with pytest.raises(SubmissionError, match="Checksum"):
        FolderDrop(tmp_path / "drop").submit(sub)
    assert not (tmp_path / "drop").exists() or not any((tmp_path / "drop").iterdir())


def test_a_failed_copy_leaves_no_half_file(tmp_path: Path, world: World, monkeypatch: Any) -> None:
    (tmp_path / "src").mkdir()
    sub = submission(tmp_path / "src", world.municipality.id)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("stafett.delivery.folder.os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        FolderDrop(tmp_path / "drop").submit(sub)
    assert list((tmp_path / "drop").iterdir()) == []


def test_handing_over_by_folder_records_the_delivery_and_its_step(
    tmp_path: Path, world: World, monkeypatch: Any
) -> None:
    monkeypatch.setenv("STAFETT_ARCHIVE_DROP_ROOT", str(tmp_path / "root"))
    configure(world.municipality, Transport.FOLDER, drop_folder="testvik")
    (tmp_path / "src").mkdir()
    sub = submission(tmp_path / "src", world.municipality.id)
    delivery = services.deliver_to_archive(sub)
    assert delivery is not None
    assert services.attempt(delivery.id) == ArchiveDelivery.Status.ARCHIVED
    delivery.refresh_from_db()
    assert (tmp_path / "root" / "testvik" / delivery.reference).is_file()
    assert delivery.attempts == 1
    assert list(delivery.steps.values_list("kind", flat=True)) == [DeliveryStep.Kind.WRITTEN]
    # The same package again is the same hand-over.
    assert services.deliver_to_archive(sub) == delivery
    assert ArchiveDelivery.objects.count() == 1


def test_without_a_transport_nothing_is_handed_over(tmp_path: Path, world: World) -> None:
    (tmp_path / "src").mkdir()
    assert services.deliver_to_archive(submission(tmp_path / "src", world.municipality.id)) is None
    assert ArchiveDelivery.objects.count() == 0


def test_a_folder_drop_without_its_root_fails_visibly(
    tmp_path: Path, world: World, monkeypatch: Any
) -> None:
    monkeypatch.delenv("STAFETT_ARCHIVE_DROP_ROOT", raising=False)
    configure(world.municipality, Transport.FOLDER)
    (tmp_path / "src").mkdir()
    delivery = services.deliver_to_archive(submission(tmp_path / "src", world.municipality.id))
    assert delivery is not None
    services.attempt(delivery.id)
    delivery.refresh_from_db()
    assert delivery.status == ArchiveDelivery.Status.FAILED
    assert "STAFETT_ARCHIVE_DROP_ROOT" in delivery.last_error
