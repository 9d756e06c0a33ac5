"""The archive document (issue 12 items 1–2): closing a log makes, in the background, a
PDF of the whole log and a ZIP package; both are stored with their SHA-256, and each
download is in the access log."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from stafett.archive.models import ArchiveDocument
from stafett.archive.selectors import archive_path, submission_for
from stafett.audit.models import AccessLogEntry
from tests.archive.conftest import (
    BRIGHT,
    GOAL,
    MEASURE,
    NEW_NOTE,
    OLD_NOTE,
    VOICE,
    close,
    pdf_text,
)
from tests.logs.conftest import LogWorld

SCHEMA = Path(settings.PROJECT_DIR) / "docs" / "schemas" / "relay-log.schema.json"
NOARK_SCHEMA = Path(settings.PROJECT_DIR) / "docs" / "schemas" / "noark-metadata.schema.json"


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_closing_a_log_makes_an_archive_pdf_of_the_whole_log(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    assert document.status == ArchiveDocument.Status.READY, document.last_error
    assert document.kind == ArchiveDocument.Kind.CLOSING
    assert document.language == "nn"  # the log's (its municipality's) language
    data = archive_path(document.pdf_path).read_bytes()
    assert data.startswith(b"%PDF-")
    xmp = PdfReader(io.BytesIO(data)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="2"' in xmp  # PDF/A-2b, as WeasyPrint declares it
    assert b'pdfaid:conformance="B"' in xmp
    text = pdf_text(data)
    # The cover: the child, the period, units, coordinators, the consent history.
    assert "Mia Mor" in text
    assert "Solsida barnehage" in text and "Testvik skule" in text
    assert "Eva Tilsett" in text
    assert "Samtykkehistorikk" in text  # "Consent history", in nynorsk
    assert "Samarbeid mellom barnehage og skule om Mia." in text  # the consent's purpose
    assert "Gro Mor" in text  # who gave it
    # Then every section.
    for written in (GOAL, MEASURE, BRIGHT, VOICE, NEW_NOTE, "Vi vart samde om måla."):
        assert written in text, written
    assert "Måla er nådde." in text  # the decision to close
    # The history of edited entries keeps the first version of the note.
    assert OLD_NOTE in text


def test_the_recorded_checksums_match_the_stored_files(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    pdf = archive_path(document.pdf_path).read_bytes()
    package = archive_path(document.package_path).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == document.pdf_sha256
    assert hashlib.sha256(package).hexdigest() == document.package_sha256
    assert document.pdf_size == len(pdf)
    # The files are under STAFETT_ARCHIVE_DIR, never under media or static.
    root = Path(settings.STAFETT_ARCHIVE_DIR).resolve()
    assert root in archive_path(document.pdf_path).parents
    assert Path(settings.MEDIA_ROOT).resolve() not in archive_path(document.pdf_path).parents


def test_the_package_holds_the_pdf_the_log_as_json_valid_by_the_schema_and_noark_metadata(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    with zipfile.ZipFile(archive_path(document.package_path)) as zf:
        assert set(zf.namelist()) == {"stafettlogg.pdf", "log.json", "noark-metadata.json"}
        pdf = zf.read("stafettlogg.pdf")
        log_json = zf.read("log.json")
        metadata = json.loads(zf.read("noark-metadata.json"))
    assert hashlib.sha256(pdf).hexdigest() == document.pdf_sha256
    data = json.loads(log_json)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["subject"]["first_name"] == "Mia"
    assert data["log"]["status"] == "closed"
    texts = json.dumps(data, ensure_ascii=False)
    for written in (GOAL, MEASURE, BRIGHT, VOICE, OLD_NOTE, NEW_NOTE):
        assert written in texts
    assert data["consents"][0]["givers"][0]["name"] == "Gro Mor"
    # Noark 5: the case file, its registry entry, the documents with their checksums.
    jsonschema.validate(metadata, json.loads(NOARK_SCHEMA.read_text()))
    saksmappe = metadata["saksmappe"]
    assert saksmappe["systemID"] == str(filled_log.log.uuid)
    assert saksmappe["saksstatus"] == "Avsluttet"
    assert saksmappe["skjerming"]["tilgangsrestriksjon"] == "13"
    assert saksmappe["klassering"][0]["klasseID"] == settings.STAFETT_ARCHIVE_CLASS_ID
    described = saksmappe["journalpost"][0]["dokumentbeskrivelse"]
    main = described[0]
    assert main["tilknyttetRegistreringSom"] == "Hoveddokument"
    objekt = main["dokumentobjekt"][0]
    assert objekt["sjekksum"] == document.pdf_sha256
    assert objekt["sjekksumAlgoritme"] == "SHA-256"
    json_object = described[1]["dokumentobjekt"][0]
    assert json_object["sjekksum"] == hashlib.sha256(log_json).hexdigest()
    assert metadata == document.noark_metadata
    # The schemas are not a formality: a log.json without its entries, or a document
    # object without its checksum, is refused.
    del data["entries"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    del objekt["sjekksum"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(metadata, json.loads(NOARK_SCHEMA.read_text()))


def test_a_document_for_the_archive_hand_over(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    given = submission_for(document)
    assert given["pdf_path"].read_bytes()[:5] == b"%PDF-"
    assert given["pdf_sha256"] == document.pdf_sha256
    assert zipfile.is_zipfile(given["zip_path"])
    assert given["title"] == "Stafettlogg – Mia Mor"
    assert "Mia" not in given["public_title"]
    assert given["noark"]["saksmappe"]["journalpost"][0]["dokumentbeskrivelse"]
    document.status = ArchiveDocument.Status.FAILED
    with pytest.raises(ValueError):
        submission_for(document)


def test_the_coordinator_downloads_pdf_and_package_and_each_download_is_logged(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any, login_as: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    client: Client = login_as(filled_log.world.employee)
    page = client.get(reverse("logs:detail", kwargs={"log": filled_log.log.uuid}))
    html = page.content.decode()
    assert "Archive document" in html and document.pdf_sha256 in html
    pdf_url = reverse("archive:pdf", kwargs={"log": filled_log.log.uuid, "document": document.uuid})
    zip_url = reverse(
        "archive:package", kwargs={"log": filled_log.log.uuid, "document": document.uuid}
    )
    assert pdf_url in html and zip_url in html
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(body(response)).hexdigest() == document.pdf_sha256
    response = client.get(zip_url)
    assert response.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(body(response)))
    rows = AccessLogEntry.objects.filter(
        actor=filled_log.world.employee, object_uuid=document.uuid
    ).order_by("id")
    assert [r.action for r in rows] == ["archive.download_pdf", "archive.download_package"]
    assert all(r.subject_uuid == filled_log.log.subject.uuid for r in rows)
    assert all(r.role == "coordinator" for r in rows)


def test_a_changed_file_is_never_handed_out(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any, login_as: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    archive_path(document.pdf_path).write_bytes(b"%PDF-1.7 not the one that was made")
    client = login_as(filled_log.world.employee)
    url = reverse("archive:pdf", kwargs={"log": filled_log.log.uuid, "document": document.uuid})
    assert client.get(url).status_code == 404
    assert not AccessLogEntry.objects.filter(action="archive.download_pdf").exists()


def test_outsiders_get_404_and_insiders_without_the_right_403(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any, login_as: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    w = filled_log.world
    url = reverse("archive:pdf", kwargs={"log": filled_log.log.uuid, "document": document.uuid})
    assert login_as(w.other_staff).get(url).status_code == 404
    assert login_as(w.admin).get(url).status_code == 404
    assert login_as(w.school_employee).get(url).status_code == 403  # a participant
    assert login_as(w.guardian).get(url).status_code == 403  # family: their own copy instead
    assert login_as(w.leader).get(url).status_code == 403  # the unit's leader reads no content
    # Refusals inside the municipality are logged (another municipality's log is never
    # found at all for Nabovik's staff).
    refused = AccessLogEntry.objects.filter(action="archive.view", outcome="refused")
    assert sorted(r.actor_id for r in refused) == sorted(
        u.id for u in (w.admin, w.school_employee, w.guardian, w.leader)
    )
