"""From closing a log to the municipality's archive (issue 12 items 1, 2 and 6, wired):
a ready archive document is handed over by the municipality's transport; the package
lands whole in the drop folder, the arkivmelding validates against KS's XSD at the fake
Fiks, the administrator sees the hand-over, and the log's history says so."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from lxml import etree

from stafett.archive.models import ArchiveDocument
from stafett.archive.selectors import submission_for
from stafett.archive.services import request_document
from stafett.delivery import services
from stafett.delivery.fiks_arkiv import MDK, NS, validate
from stafett.delivery.handover import flat_metadata, hand_over_when_ready, submission_from
from stafett.delivery.models import ArchiveDelivery, Transport
from stafett.logs import events
from stafett.logs.models import EntryVersion
from tests.archive.conftest import close, fill
from tests.delivery.fake_fiks import FakeFiks
from tests.delivery.helpers import configure
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.conftest import active_log as active_log  # the fixture, for this file

pytestmark = pytest.mark.django_db

URL = "/delivery/archive/"
CHILD = "Mia Mor"


@pytest.fixture
def drop(tmp_path: Path, monkeypatch: Any, active_log: LogWorld) -> Path:
    monkeypatch.setenv("STAFETT_ARCHIVE_DROP_ROOT", str(tmp_path / "drop"))
    configure(active_log.world.municipality, Transport.FOLDER, drop_folder="testvik")
    return tmp_path / "drop" / "testvik"


def _events(lw: LogWorld) -> list[tuple[str, str]]:
    return [
        (v.event_type or "", (v.event_params or {}).get("variant", ""))
        for v in EntryVersion.objects.filter(
            entry__log=lw.log, event_type__startswith="archive."
        ).order_by("id")
    ]


# --- The mapping ------------------------------------------------------------------------------


NESTED: dict[str, Any] = {
    "noark5Versjon": "5.5",
    "saksmappe": {
        "systemID": "d3b0c1f2-0000-4000-8000-000000000001",
        "tittel": "Stafettlogg – Mia Mor",
        "offentligTittel": "Stafettlogg – ******",
        "administrativEnhet": "Solsida barnehage",
        "saksansvarlig": "Eva Tilsett",
        "klassering": [{"klassifikasjonssystem": "ORD", "klasseID": "F47", "tittel": "BTI"}],
        "skjerming": {"tilgangsrestriksjon": "13", "skjermingshjemmel": "Offl. § 13"},
        "journalpost": [
            {
                "tittel": "Stafettlogg – Mia Mor",
                "journalposttype": "Organinternt dokument uten oppfølging",
                "dokumentetsDato": "2026-12-01",
                "skjerming": {"tilgangsrestriksjon": "13", "skjermingshjemmel": "Offl. § 13"},
                "dokumentbeskrivelse": [
                    {"tittel": "JSON", "tilknyttetRegistreringSom": "Vedlegg"},
                    {
                        "tittel": "Stafettlogg – Mia Mor",
                        "tilknyttetRegistreringSom": "Hoveddokument",
                    },
                ],
            }
        ],
    },
}


def test_the_nested_noark_metadata_becomes_the_flat_groups_with_the_public_title() -> None:
    flat = flat_metadata(NESTED, public_title="Stafettlogg – ******")
    assert flat == {
        "saksmappe": {
            "tittel": "Stafettlogg – ******",
            "saksansvarlig": "Eva Tilsett",
            "administrativEnhet": "Solsida barnehage",
        },
        "journalpost": {
            "tittel": "Stafettlogg – ******",
            "offentligTittel": "Stafettlogg – ******",
            "journalposttype": "X",
            "dokumentetsDato": "2026-12-01",
        },
        "dokumentbeskrivelse": {
            "tittel": "Stafettlogg – ******",
            "dokumenttype": "DOK",
            "tilknyttetRegistreringSom": "H",
        },
        "skjerming": {"tilgangsrestriksjon": "13", "skjermingshjemmel": "Offl. § 13"},
        "klassering": {"klassifikasjonssystemID": "ORD", "klasseID": "F47", "tittel": "BTI"},
    }
    assert CHILD not in repr(flat)


def test_a_closed_logs_document_maps_to_a_submission_that_never_names_the_child(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any
) -> None:
    fill(active_log)
    document = close(active_log, django_capture_on_commit_callbacks)
    found = submission_for(document)
    assert CHILD in found["title"]  # the package's own title does name the child …
    submission = submission_from(found)
    # … but nothing that travels as metadata or is stored on a hand-over does.
    assert CHILD not in repr(submission.to_json())
    assert submission.title == found["public_title"]
    assert submission.log_uuid == active_log.log.uuid
    assert submission.package_sha256 == document.package_sha256
    submission.check()  # the files are there and match their checksums


# --- Folder drop, end to end ------------------------------------------------------------------


def test_closing_a_log_hands_its_package_to_the_drop_folder_and_the_admin_sees_it(
    active_log: LogWorld,
    drop: Path,
    django_capture_on_commit_callbacks: Any,
    login_as: Any,
) -> None:
    fill(active_log)
    document = close(active_log, django_capture_on_commit_callbacks)
    assert document.status == ArchiveDocument.Status.READY, document.last_error
    delivery = ArchiveDelivery.objects.get()
    assert delivery.status == ArchiveDelivery.Status.ARCHIVED, delivery.last_error
    assert delivery.transport == Transport.FOLDER
    assert delivery.package_sha256 == document.package_sha256
    dropped = drop / delivery.reference
    assert hashlib.sha256(dropped.read_bytes()).hexdigest() == document.package_sha256
    assert CHILD not in repr(delivery.submission)
    # The administrator's page: the hand-over, archived, with where it went.
    page = login_as(active_log.world.admin).get(URL).content.decode()
    assert "Archived" in page
    assert delivery.reference in page
    assert str(active_log.log.uuid)[:8] in page
    assert CHILD not in page
    assert 'data-testid="archive-by-hand"' not in page
    # The log's history: made, then put in the archive's folder.
    assert _events(active_log) == [("archive.made", ""), ("archive.delivered", "folder")]
    log_page = login_as(active_log.world.employee).get(
        reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    )
    text = log_page.content.decode()
    assert "The archive document (PDF and package for the archive) was made." in text
    assert "The archive package was put in the archive&#x27;s folder." in text


def test_a_rebuilt_document_is_handed_over_as_its_own_package_and_a_rerun_changes_nothing(
    active_log: LogWorld, drop: Path, django_capture_on_commit_callbacks: Any
) -> None:
    first = close(active_log, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        second = request_document(actor=as_actor(active_log.world.employee), log=active_log.log)
    second.refresh_from_db()
    assert second.status == ArchiveDocument.Status.READY, second.last_error
    assert second.package_sha256 != first.package_sha256
    deliveries = list(ArchiveDelivery.objects.order_by("id"))
    assert [d.package_sha256 for d in deliveries] == [first.package_sha256, second.package_sha256]
    assert {d.status for d in deliveries} == {ArchiveDelivery.Status.ARCHIVED}
    assert sorted(p.name for p in drop.iterdir()) == sorted(d.reference for d in deliveries)
    # The same document handed over again (a task run twice) is the same hand-over.
    with django_capture_on_commit_callbacks(execute=True):
        assert hand_over_when_ready(second.id) is True
    assert ArchiveDelivery.objects.count() == 2
    assert _events(active_log) == [
        ("archive.made", ""),
        ("archive.delivered", "folder"),
        ("archive.made", "on_demand"),
        ("archive.delivered", "folder"),
    ]


def test_without_a_transport_nothing_is_queued_and_the_page_says_archive_by_hand(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, login_as: Any
) -> None:
    document = close(active_log, django_capture_on_commit_callbacks)
    assert document.status == ArchiveDocument.Status.READY
    assert hand_over_when_ready(document.id) is False
    assert ArchiveDelivery.objects.count() == 0
    assert _events(active_log) == [("archive.made", "")]
    page = login_as(active_log.world.admin).get(URL).content.decode()
    assert 'data-testid="archive-by-hand"' in page
    assert "downloads the archive package (ZIP) from the log page" in page


def test_a_document_not_ready_is_not_handed_over(
    active_log: LogWorld, drop: Path, django_capture_on_commit_callbacks: Any
) -> None:
    document = close(active_log, django_capture_on_commit_callbacks)
    ArchiveDocument.objects.filter(pk=document.pk).update(status=ArchiveDocument.Status.FAILED)
    ArchiveDelivery.objects.all().delete()
    assert hand_over_when_ready(document.id) is False
    assert ArchiveDelivery.objects.count() == 0


# --- Fiks Arkiv, against the fake --------------------------------------------------------------


def test_closing_a_log_sends_a_valid_arkivmelding_through_fiks_arkiv(
    active_log: LogWorld,
    fake_fiks: FakeFiks,
    django_capture_on_commit_callbacks: Any,
    login_as: Any,
) -> None:
    configure(active_log.world.municipality, Transport.FIKS_ARKIV)
    fill(active_log)
    document = close(active_log, django_capture_on_commit_callbacks)
    delivery = ArchiveDelivery.objects.get()
    assert delivery.status == ArchiveDelivery.Status.SENT, delivery.last_error
    # The fake checked the message against the vendored XSD on receipt; check it here too.
    assert len(fake_fiks.arkivmeldinger) == 1
    xml = fake_fiks.arkivmeldinger[0]
    validate(xml)
    root = etree.fromstring(xml)
    ns = {"a": NS, "m": MDK}
    assert root.findtext(".//a:dokumentobjekt/a:sjekksum", namespaces=ns) == document.pdf_sha256
    assert root.findtext(".//a:referanseForelderMappe//m:noekkel", namespaces=ns) == str(
        active_log.log.uuid
    )
    assert root.findtext(".//a:skjerming/a:tilgangsrestriksjon/m:kode", namespaces=ns) == "13"
    assert root.findtext("a:registrering/a:journalposttype/m:kode", namespaces=ns) == "X"
    assert CHILD not in xml.decode()  # titles are the public title
    assert _events(active_log) == [("archive.made", "")]
    # The scheduler reads the receipts: archived, and the history says so.
    later = timezone.now() + datetime.timedelta(minutes=1)
    services.run_archive_checks(now=later)
    delivery.refresh_from_db()
    assert delivery.status == ArchiveDelivery.Status.ARCHIVED
    assert _events(active_log)[-1] == ("archive.delivered", "fiks_arkiv")
    page = login_as(active_log.world.admin).get(URL).content.decode()
    assert "Archived" in page and delivery.reference in page


def test_the_history_lines_read_in_nynorsk_bokmal_and_english() -> None:
    expected = {
        "nn": "Arkivdokumentet vart arkivert gjennom Fiks Arkiv.",
        "nb": "Arkivdokumentet ble arkivert gjennom Fiks Arkiv.",
        "en": "The archive document was archived through Fiks Arkiv.",
    }
    params = events.params_for("archive.delivered", variant="fiks_arkiv")
    for language, text in expected.items():
        with translation.override(language):
            assert events.render("archive.delivered", params) == text
    with translation.override("nn"):
        assert events.render("archive.made", {}) == (
            "Arkivdokumentet (PDF og pakke til arkivet) vart laga."
        )
    with pytest.raises(ValueError):
        events.params_for("archive.delivered", variant="email")


def test_a_delivery_of_an_unknown_log_writes_no_history(world: Any, tmp_path: Path) -> None:
    """A hand-over whose log is gone (or another municipality's uuid) tells no log."""
    from tests.delivery.helpers import submission

    configure(world.municipality, Transport.FOLDER, drop_folder="x")
    sub = submission(tmp_path, world.municipality.id, log_uuid=uuid.uuid4())
    delivery = services.deliver_to_archive(sub)
    assert delivery is not None
    services._tell_the_log(delivery)
    assert EntryVersion.objects.filter(event_type__startswith="archive.").count() == 0


def test_the_real_queue_carries_a_closed_log_to_the_drop_folder(
    active_log: LogWorld,
    drop: Path,
    settings: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The database backend and `db_worker`, as `make worker` runs them: build, hand
    over, attempt, each queued by the one before once it has committed."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    close(active_log, django_capture_on_commit_callbacks)
    assert ArchiveDelivery.objects.count() == 0  # queued, not yet built
    for _round in range(3):  # build → deliver_archive_package → attempt
        with django_capture_on_commit_callbacks(execute=True):
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == [
        "stafett.archive.tasks.build_archive_document",
        "stafett.delivery.tasks.attempt_archive_delivery",
        "stafett.delivery.tasks.deliver_archive_package",
    ]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    document = ArchiveDocument.objects.get()
    delivery = ArchiveDelivery.objects.get()
    assert delivery.status == ArchiveDelivery.Status.ARCHIVED
    dropped = drop / delivery.reference
    assert hashlib.sha256(dropped.read_bytes()).hexdigest() == document.package_sha256


def test_a_hand_over_that_cannot_be_queued_leaves_the_document_ready(
    active_log: LogWorld, drop: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr("stafett.delivery.handover.submission_from", down)
    document = close(active_log, django_capture_on_commit_callbacks)
    assert document.status == ArchiveDocument.Status.READY
    assert archive_path_exists(document)
    assert ArchiveDelivery.objects.count() == 0


def archive_path_exists(document: ArchiveDocument) -> bool:
    from stafett.archive.selectors import archive_path

    return archive_path(document.package_path).is_file()
