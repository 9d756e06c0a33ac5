"""Bad input (issue 12): a log with thousands of entries and a large attachment still
exports, streamed: the package (log.json read in chunks, the attachment copied in
blocks) is written with a peak of Python memory far under 200 MB."""

from __future__ import annotations

import json
import os
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stafett.archive import export
from stafett.consent.models import Consent
from stafett.logs.models import Entry
from tests.logs.conftest import LogWorld
from tests.logs.test_content_queries import bulk_entries

ENTRIES = 3000
ATTACHMENT = 64 * 1024 * 1024
LIMIT = 200 * 1024 * 1024


def test_thousands_of_entries_and_a_large_attachment_export_in_bounded_memory(
    active_log: LogWorld, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    bulk_entries(active_log, ENTRIES)
    assert Entry.objects.filter(log=active_log.log).count() >= ENTRIES
    # A 64 MB scanned consent form (random bytes: it does not compress).
    consent = Consent.objects.get(pk=active_log.consent.pk)
    consent.scanned_form.save("skjema.pdf", ContentFile(os.urandom(ATTACHMENT)))
    pdf_file = tmp_path / "stafettlogg.pdf"
    pdf_file.write_bytes(b"%PDF-1.7 stand-in for the laid-out PDF\n")
    sha, _size = export.file_sha256(pdf_file)
    target = tmp_path / "package.zip"

    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as queries:
            export.write_package(
                target,
                log=active_log.log,
                pdf_path=pdf_file,
                pdf_sha256=sha,
                document_uuid="00000000-0000-0000-0000-000000000000",
                language="nn",
                pdf_title="Stafettlogg",
            )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"PEAK {peak / 1e6:.1f} MB, {len(queries)} queries")
    assert peak < LIMIT
    # Streamed, not held: the peak stays well below the attachment's own size (holding
    # it would cost at least 64 MB; PostgreSQL's chunked reads bring the peak to ~35 MB).
    assert peak < ATTACHMENT * 3 / 4, f"peak {peak / 1e6:.1f} MB"
    # Entries are read in chunks: a handful of queries per 500 entries, not one per entry.
    assert len(queries) < 20 + 6 * (ENTRIES // export.CHUNK + 1)

    with zipfile.ZipFile(target) as zf:
        assert zf.getinfo("vedlegg/samtykke-1.pdf").file_size == ATTACHMENT
        data = json.loads(zf.read("log.json"))
        metadata = json.loads(zf.read("noark-metadata.json"))
    schema = Path(settings.PROJECT_DIR) / "docs" / "schemas" / "relay-log.schema.json"
    jsonschema.validate(data, json.loads(schema.read_text()))
    assert len(data["entries"]) >= ENTRIES
    assert sum(len(e["versions"]) == 2 for e in data["entries"]) == ENTRIES
    noark = Path(settings.PROJECT_DIR) / "docs" / "schemas" / "noark-metadata.schema.json"
    jsonschema.validate(metadata, json.loads(noark.read_text()))
    described = metadata["saksmappe"]["journalpost"][0]["dokumentbeskrivelse"]
    attachment = described[-1]
    assert attachment["tilknyttetRegistreringSom"] == "Vedlegg"
    assert attachment["dokumentobjekt"][0]["filstoerrelse"] == ATTACHMENT
