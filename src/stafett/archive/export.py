"""The archive package and the family's copy as data: `log.json` (one JSON document of
the whole log, schema in docs/schemas/relay-log.schema.json) and the Noark 5 metadata
(`noark-metadata.json`).

The JSON is written as a stream: entries are read in chunks (`iterator(chunk_size=…)`,
then one batch of versions per chunk) and each chunk is written out before the next is
read, so a log with thousands of entries is exported in bounded memory. The package is
a ZIP written member by member (`zipfile`'s streaming writes), the PDF and the scanned
consent forms copied in blocks, each member's SHA-256 computed as it is written.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from stafett.accounts.models import User
from stafett.archive import selectors
from stafett.consent.models import Consent
from stafett.logs.models import Entry, EntryVersion, RelayLog

SCHEMA_ID = "https://stafett.no/schemas/relay-log.schema.json"
FORMAT_VERSION = 1
CHUNK = 500
COPY_BLOCK = 1 << 20
PDF_NAME = "stafettlogg.pdf"
JSON_NAME = "log.json"
METADATA_NAME = "noark-metadata.json"

# Version fields written as they are (empty ones are left out).
PLAIN_FIELDS = (
    "title",
    "body",
    "measure_status",
    "meeting_kind",
    "place",
    "video_link",
    "agenda",
    "minutes",
    "decisions",
    "effect",
    "next_steps",
    "worry_score",
    "voice_mode",
    "decision_kind",
    "from_level",
    "to_level",
    "from_step",
    "to_step",
    "close_reason",
    "continues_in",
    "event_type",
    "event_params",
)


def _time(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: User | None) -> str:
    return str(user.get_full_name() or user.username) if user is not None else ""


def _version(version: EntryVersion) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": version.number,
        "created_at": _time(version.created_at),
        "author_name": version.author_name,
        "author_role": version.author_role,
    }
    if version.author_unit is not None:
        data["author_unit"] = version.author_unit.name
    for name in PLAIN_FIELDS:
        value = getattr(version, name)
        if value not in ("", None):
            data[name] = value
    if version.cancelled:
        data["cancelled"] = True
    if version.responsible is not None:
        data["responsible"] = _person(version.responsible)
    if version.responsible_unit is not None:
        data["responsible_unit"] = version.responsible_unit.name
    for name in ("start_date", "evaluation_date"):
        if getattr(version, name) is not None:
            data[name] = _date(getattr(version, name))
    if version.starts_at is not None:
        data["starts_at"] = _time(version.starts_at)
    if version.measure is not None:
        data["measure"] = str(version.measure.uuid)
    invited = [_person(u) for u in version.invited.all()]
    attended = [_person(u) for u in version.attended.all()]
    if invited:
        data["invited"] = invited
    if attended:
        data["attended"] = attended
    return data


def _batched(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    it = iter(ids)
    while batch := list(islice(it, size)):
        yield batch


def iter_entries(log: RelayLog, *, visible: Q, chunk_size: int = CHUNK) -> Iterator[dict[str, Any]]:
    """The log's entries the reader may see, oldest first, each with all its versions;
    read `chunk_size` at a time (a constant number of queries per chunk)."""
    people = User.objects.only("id", "first_name", "last_name", "username")
    versions = (
        EntryVersion.objects.select_related(
            "author_unit", "responsible", "responsible_unit", "measure"
        )
        .prefetch_related(
            Prefetch("invited", queryset=people), Prefetch("attended", queryset=people)
        )
        .order_by("number")
    )
    ids = (
        Entry.objects.filter(log=log, latest__isnull=False)
        .filter(visible)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
        .iterator(chunk_size=chunk_size)
    )
    for batch in _batched(ids, chunk_size):
        entries = (
            Entry.objects.filter(id__in=batch)
            .order_by("created_at", "id")
            .prefetch_related(Prefetch("versions", queryset=versions))
        )
        for entry in entries:
            yield {
                "id": str(entry.uuid),
                "kind": entry.kind,
                "created_at": _time(entry.created_at),
                "coordinator_only": entry.coordinator_only,
                "versions": [_version(v) for v in entry.versions.all()],
            }


def _consent(consent: Consent) -> dict[str, Any]:
    return {
        "id": str(consent.uuid),
        "purpose": consent.purpose,
        "valid_from": _date(consent.valid_from),
        "valid_to": _date(consent.valid_to),
        "method": consent.method,
        "created_at": _time(consent.created_at),
        "completed_at": _time(consent.completed_at),
        "withdrawn_at": _time(consent.withdrawn_at),
        "declined_at": _time(consent.declined_at),
        "givers": [
            {
                "name": g.name,
                "is_subject": g.is_subject,
                "given_at": _time(g.given_at),
                "method": g.method,
            }
            for g in consent.givers.all()
        ],
        "units": [
            {
                "name": s.unit.name,
                "added_at": _time(s.added_at),
                "confirmed_at": _time(s.confirmed_at),
                "removed_at": _time(s.removed_at),
            }
            for s in consent.scope.all()
        ],
    }


def log_head(log: RelayLog, *, audience: str, language: str) -> dict[str, Any]:
    """Everything in log.json but the entries (a few queries, whatever the log's size)."""
    subject = log.subject
    return {
        "$schema": SCHEMA_ID,
        "format_version": FORMAT_VERSION,
        "audience": audience,
        "language": language,
        "generated_at": _time(timezone.now()),
        "log": {
            "id": str(log.uuid),
            "municipality": log.municipality.name,
            "status": log.status,
            "level": log.level,
            "step": log.step,
            "created_at": _time(log.created_at),
            "activated_at": _time(log.activated_at),
            "closed_at": _time(log.closed_at),
            "close_reason": log.close_reason,
            "continues_in": log.continues_in,
            "origin_unit": log.origin_unit.name,
            "unit": log.unit.name,
        },
        "subject": {
            "id": str(subject.uuid),
            "kind": subject.kind,
            "first_name": subject.first_name,
            "last_name": subject.last_name,
            "birth_date": _date(subject.birth_date),
        },
        "coordinators": [
            {
                "name": s.name,
                "unit": s.unit,
                "from": _time(s.since),
                "to": _time(s.until),
            }
            for s in selectors.coordinator_spells(log)
        ],
        "participants": [
            {
                "name": _person(p.user),
                "unit": p.unit.name,
                "task": p.task,
                "added_at": _time(p.added_at),
                "removed_at": _time(p.removed_at),
            }
            for p in log.participants.select_related("user", "unit").order_by("added_at", "id")
        ],
        "consents": [_consent(c) for c in selectors.consent_history(log)],
    }


def iter_log_json(log: RelayLog, *, visible: Q, audience: str, language: str) -> Iterator[str]:
    """log.json, piece by piece: the head, then one entry at a time."""
    head = json.dumps(log_head(log, audience=audience, language=language), ensure_ascii=False)
    yield head[:-1] + ', "entries": ['
    first = True
    for entry in iter_entries(log, visible=visible):
        yield ("" if first else ",\n") + json.dumps(entry, ensure_ascii=False)
        first = False
    yield "]}\n"


class HashingWriter:
    """Writes bytes through to `target`, counting them and computing their SHA-256."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def write_json(target: IO[bytes], chunks: Iterable[str]) -> HashingWriter:
    writer = HashingWriter(target)
    for chunk in chunks:
        writer.write(chunk.encode("utf-8"))
    return writer


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(COPY_BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


# --- Noark 5 metadata ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    name: str  # the member's name in the ZIP
    title: str
    format: str
    sha256: str
    size: int
    main: bool = False


def _checksum(file: StoredFile, number: int) -> dict[str, Any]:
    return {
        "dokumentnummer": number,
        "tittel": file.title,
        "tilknyttetRegistreringSom": "Hoveddokument" if file.main else "Vedlegg",
        "dokumentstatus": "Dokumentet er ferdigstilt",
        "skjerming": SKJERMING,
        "dokumentobjekt": [
            {
                "versjonsnummer": 1,
                "variantformat": "Arkivformat",
                "format": file.format,
                "referanseDokumentfil": file.name,
                "filstoerrelse": file.size,
                "sjekksum": file.sha256,
                "sjekksumAlgoritme": "SHA-256",
            }
        ],
    }


# Screened from public access: information about a person's private matters (offentleglova
# § 13 with forvaltningsloven § 13) — the names, the title, the documents.
SKJERMING = {
    "tilgangsrestriksjon": "13",
    "skjermingshjemmel": "Offl. § 13, jf. fvl. § 13 første ledd nr. 1",
    "skjermingMetadata": ["tittel", "part"],
    "skjermingDokument": "Hele",
}


def noark_metadata(
    log: RelayLog, *, document_uuid: str, files: list[StoredFile], at: datetime.datetime
) -> dict[str, Any]:
    """The case file (saksmappe) with one registry entry (journalpost) holding the PDF
    as main document and the other files as attachments, in Noark 5's names."""
    subject = log.subject
    name = subject.full_name
    closed = log.closed_at
    title = f"Stafettlogg – {name}"
    return {
        "noark5Versjon": "5.5",
        "saksmappe": {
            "systemID": str(log.uuid),
            "tittel": title,
            "offentligTittel": "Stafettlogg – ******",
            "opprettetDato": _time(log.created_at),
            "saksdato": _date(timezone.localtime(log.activated_at or log.created_at).date()),
            "saksstatus": "Avsluttet" if closed is not None else "Under behandling",
            "avsluttetDato": _time(closed),
            "administrativEnhet": log.unit.name,
            "saksansvarlig": _person(log.coordinator),
            "klassering": [
                {
                    "klassifikasjonssystem": settings.STAFETT_ARCHIVE_CLASSIFICATION_SYSTEM,
                    "klasseID": settings.STAFETT_ARCHIVE_CLASS_ID,
                    "tittel": "Stafettlogg (BTI)",
                }
            ],
            "skjerming": SKJERMING,
            "part": [
                {
                    "partNavn": name,
                    "partRolle": "Barn" if subject.kind == subject.Kind.CHILD else "Gravid",
                    "foedselsdato": _date(subject.birth_date),
                }
            ],
            "journalpost": [
                {
                    "systemID": document_uuid,
                    "tittel": title,
                    "offentligTittel": "Stafettlogg – ******",
                    "journalposttype": "Organinternt dokument uten oppfølging",
                    "journalstatus": "Journalført",
                    "dokumentetsDato": _date(timezone.localtime(at).date()),
                    "journaldato": _date(timezone.localtime(at).date()),
                    "skjerming": SKJERMING,
                    "dokumentbeskrivelse": [_checksum(f, n) for n, f in enumerate(files, start=1)],
                }
            ],
        },
    }


def write_package(
    path: Path,
    *,
    log: RelayLog,
    pdf_path: Path,
    pdf_sha256: str,
    document_uuid: str,
    language: str,
    pdf_title: str,
) -> dict[str, Any]:
    """Write the ZIP (PDF, log.json, scanned consent forms, noark-metadata.json) to
    `path`, member by member; returns the Noark metadata written into it."""
    files: list[StoredFile] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.write(pdf_path, PDF_NAME)
        files.append(
            StoredFile(
                PDF_NAME, pdf_title, "PDF/A-2b", pdf_sha256, pdf_path.stat().st_size, main=True
            )
        )
        with zf.open(JSON_NAME, "w", force_zip64=True) as member:
            written = write_json(
                member, iter_log_json(log, visible=Q(), audience="archive", language=language)
            )
        files.append(
            StoredFile(
                JSON_NAME,
                "Stafettlogg som data (JSON)",
                "JSON",
                written.sha256.hexdigest(),
                written.size,
            )
        )
        for number, consent in enumerate(selectors.consent_history(log), start=1):
            if not consent.scanned_form:
                continue
            extension = consent.scanned_form.name.rsplit(".", 1)[-1].lower()
            name = f"vedlegg/samtykke-{number}.{extension}"
            with (
                consent.scanned_form.open("rb") as source,
                zf.open(name, "w", force_zip64=True) as member,
            ):
                copy = HashingWriter(member)
                shutil.copyfileobj(source, copy, COPY_BLOCK)  # type: ignore[misc]
            files.append(
                StoredFile(
                    name,
                    f"Skanna samtykkeskjema {number}",
                    extension.upper(),
                    copy.sha256.hexdigest(),
                    copy.size,
                )
            )
        metadata = noark_metadata(log, document_uuid=document_uuid, files=files, at=timezone.now())
        zf.writestr(METADATA_NAME, json.dumps(metadata, ensure_ascii=False, indent=2))
    return metadata
