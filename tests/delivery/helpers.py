from __future__ import annotations

import hashlib
import uuid
import zipfile
from pathlib import Path
from typing import Any

from stafett.delivery.models import FiksSettings, Transport
from stafett.delivery.submission import ArchiveSubmission
from tests.delivery.fake_fiks import ARCHIVE_ACCOUNT

METADATA: dict[str, dict[str, Any]] = {
    "saksmappe": {
        "tittel": "Stafettlogg",
        "saksansvarlig": "Eva Tilsett",
        "administrativEnhet": "Solsida barnehage",
    },
    "journalpost": {
        "tittel": "Stafettlogg, avslutta",
        "offentligTittel": "Stafettlogg, avslutta",
        "dokumentetsDato": "2026-11-30",
    },
    "dokumentbeskrivelse": {"tittel": "Stafettlogg (PDF/A)"},
    "skjerming": {"tilgangsrestriksjon": "13", "skjermingshjemmel": "Offl. § 13, jf. fvl. § 13"},
    "klassering": {"klassifikasjonssystemID": "ORD", "klasseID": "F47", "tittel": "Tiltak"},
}


def submission(tmp_path: Path, municipality_id: int, **changes: Any) -> ArchiveSubmission:
    log_uuid = changes.pop("log_uuid", uuid.uuid4())
    pdf = tmp_path / f"stafettlogg-{log_uuid}.pdf"
    pdf.write_bytes(b"%PDF-1.7\n% a closed relay log\n%%EOF\n")
    package = tmp_path / f"stafettlogg-{log_uuid}.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(pdf, pdf.name)
        archive.writestr("log.json", '{"log": "' + str(log_uuid) + '"}')
        archive.writestr("metadata.json", "{}")
    values: dict[str, Any] = {
        "municipality_id": municipality_id,
        "log_uuid": log_uuid,
        "title": "Stafettlogg, avslutta",
        "metadata": METADATA,
        "pdf_path": pdf,
        "pdf_sha256": hashlib.sha256(pdf.read_bytes()).hexdigest(),
        "package_path": package,
        "package_sha256": hashlib.sha256(package.read_bytes()).hexdigest(),
    }
    values.update(changes)
    return ArchiveSubmission(**values)


def configure(municipality: Any, transport: str, **fields: Any) -> FiksSettings:
    values: dict[str, Any] = {"archive_transport": transport}
    if transport == Transport.FOLDER:
        values.setdefault("drop_folder", "arkiv")
    if transport == Transport.FIKS_ARKIV:
        values.setdefault("archive_account", uuid.UUID(ARCHIVE_ACCOUNT))
    values.update(fields)
    chosen, _ = FiksSettings.objects.update_or_create(municipality=municipality, defaults=values)
    return chosen
