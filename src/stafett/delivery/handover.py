"""From a ready archive document to the municipality's archive (issue 12, items 1 and 6).

`archive.services` calls `hand_over_when_ready(document_id)` once a document's PDF and
package are stored (after the commit). When the municipality has chosen an archive
transport, the document's Noark 5 metadata (the nested noark-metadata.json:
saksmappe → journalpost[0] → dokumentbeskrivelse[] → dokumentobjekt[]) is mapped to the
flat groups an `ArchiveSubmission` carries (`flat_metadata`), and
`delivery.tasks.deliver_archive_package` is queued. Without a transport nothing is
queued: the administrator's page says the package is archived by hand.

Only the public title travels as the title (`Stafettlogg – ******`): the child's name
stays in the PDF and the package, which the archive screens (skjerming).

Each archive document is its own hand-over: a delivery is one per log and *package*
(its SHA-256), and every document's package names its own document (journalpost
systemID) and time, so an on-demand rebuild's package is a new one and is handed over
too, while running the same document's hand-over twice records one delivery.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stafett.delivery.models import Transport
from stafett.delivery.submission import ArchiveSubmission

logger = logging.getLogger(__name__)

# Noark 5's words in the package → the codes the arkivmelding carries.
JOURNALPOST_TYPES = {
    "Inngående dokument": "I",
    "Utgående dokument": "U",
    "Organinternt dokument for oppfølging": "N",
    "Organinternt dokument uten oppfølging": "X",
    "Saksframlegg": "S",
}
CONNECTED_AS = {"Hoveddokument": "H", "Vedlegg": "V"}


def _first(items: Any) -> Mapping[str, Any]:
    if isinstance(items, list) and items and isinstance(items[0], Mapping):
        return items[0]
    return {}


def _main_document(journalpost: Mapping[str, Any]) -> Mapping[str, Any]:
    documents = journalpost.get("dokumentbeskrivelse") or []
    for document in documents:
        if document.get("tilknyttetRegistreringSom") == "Hoveddokument":
            return dict(document)
    return _first(documents)


def _date(value: Any) -> str:
    """An ISO date (the package's dates may be date-times)."""
    return str(value or "")[:10]


def flat_metadata(noark: Mapping[str, Any], *, public_title: str) -> dict[str, dict[str, Any]]:
    """The package's nested Noark 5 metadata as the flat groups of `ArchiveSubmission`
    (the keys `fiks_arkiv.arkivmelding_xml` reads). Every title is `public_title`."""
    saksmappe: Mapping[str, Any] = noark["saksmappe"]
    journalpost = _first(saksmappe.get("journalpost"))
    main = _main_document(journalpost)
    shielding = journalpost.get("skjerming") or saksmappe.get("skjerming") or {}
    classes = _first(saksmappe.get("klassering"))
    groups: dict[str, dict[str, Any]] = {
        "saksmappe": {
            "tittel": public_title,
            "saksansvarlig": str(saksmappe.get("saksansvarlig") or ""),
            "administrativEnhet": str(saksmappe.get("administrativEnhet") or ""),
        },
        "journalpost": {
            "tittel": public_title,
            "offentligTittel": public_title,
            "journalposttype": JOURNALPOST_TYPES.get(
                str(journalpost.get("journalposttype") or ""), "X"
            ),
            "dokumentetsDato": _date(journalpost.get("dokumentetsDato")),
        },
        "dokumentbeskrivelse": {
            "tittel": public_title,
            "dokumenttype": "DOK",
            "tilknyttetRegistreringSom": CONNECTED_AS.get(
                str(main.get("tilknyttetRegistreringSom") or ""), "H"
            ),
        },
        "skjerming": {
            "tilgangsrestriksjon": str(shielding.get("tilgangsrestriksjon") or ""),
            "skjermingshjemmel": str(shielding.get("skjermingshjemmel") or ""),
        },
        "klassering": {
            "klassifikasjonssystemID": str(classes.get("klassifikasjonssystem") or ""),
            "klasseID": str(classes.get("klasseID") or ""),
            "tittel": str(classes.get("tittel") or ""),
        },
    }
    return groups


def submission_from(found: Mapping[str, Any]) -> ArchiveSubmission:
    """`archive.selectors.submission_for(document)` as an `ArchiveSubmission`."""
    public_title = str(found["public_title"])
    return ArchiveSubmission(
        municipality_id=int(found["municipality_id"]),
        log_uuid=uuid.UUID(str(found["log_uuid"])),
        title=public_title,
        metadata=flat_metadata(found["noark"], public_title=public_title),
        pdf_path=Path(found["pdf_path"]),
        pdf_sha256=str(found["pdf_sha256"]),
        package_path=Path(found["zip_path"]),
        package_sha256=str(found["zip_sha256"]),
    )


def hand_over_when_ready(document_id: int) -> bool:
    """Queue the hand-over of a ready archive document when the municipality has chosen
    an archive transport. Returns whether it was queued. Never raises: it runs after the
    document's commit inside its build, which must not turn a ready document into a
    failed one (a failure is logged; the coordinator can ask for a new document)."""
    try:
        return _hand_over(document_id)
    except Exception:
        logger.exception("Could not queue the hand-over of archive document %s", document_id)
        return False


def _hand_over(document_id: int) -> bool:
    from stafett.archive.models import ArchiveDocument
    from stafett.archive.selectors import submission_for
    from stafett.delivery.services import settings_for
    from stafett.delivery.tasks import deliver_archive_package

    document = ArchiveDocument.objects.filter(pk=document_id).first()
    if document is None or not document.is_ready:
        return False
    if settings_for(document.municipality_id).archive_transport == Transport.NONE:
        return False
    submission = submission_from(submission_for(document))
    deliver_archive_package.enqueue(submission.to_json())
    return True
