"""Reads for the archive: what the archive PDF and the family's copy show, the log's
documents, and what the hand-over to the archive system needs (`submission_for`).

`log_record` reuses the print view's selector (`logs.selectors.timeline_oldest_first`)
for the entries; `visible` is `policy.visible_entries` for a family reader, or `Q()` for
the municipality's archive (the whole log, as its coordinator reads it).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.accounts.models import User
from stafett.archive.models import ArchiveDocument
from stafett.consent.models import Consent, ConsentUnit
from stafett.logs import selectors as log_selectors
from stafett.logs.models import Entry, EntryKind, EntryVersion, Handover, Participant, RelayLog

# The sections of the PDF, in the order a reader meets them (the cover comes first).
SECTION_KINDS: list[str] = [
    EntryKind.UNDERSTANDING,
    EntryKind.GOAL,
    EntryKind.MEASURE,
    EntryKind.MEETING,
    EntryKind.EVALUATION,
    EntryKind.DECISION,
    EntryKind.BRIGHT_SPOT,
    EntryKind.CHILD_VOICE,
    EntryKind.NOTE,
    EntryKind.EVENT,
]


SECTION_TITLES = {
    EntryKind.UNDERSTANDING: _("Shared understanding"),
    EntryKind.GOAL: _("Goals"),
    EntryKind.MEASURE: _("Measures"),
    EntryKind.MEETING: _("Meetings"),
    EntryKind.EVALUATION: _("Evaluations"),
    EntryKind.DECISION: _("Decisions"),
    EntryKind.BRIGHT_SPOT: _("Bright spots"),
    EntryKind.CHILD_VOICE: _("The child's voice"),
    EntryKind.NOTE: _("Notes"),
    EntryKind.EVENT: _("Events in the log"),
}


@dataclass(frozen=True)
class CoordinatorSpell:
    """Who held the baton, from when to when (None: still holds it)."""

    name: str
    unit: str
    since: datetime.datetime
    until: datetime.datetime | None


@dataclass
class Section:
    kind: str
    entries: list[Entry]

    @property
    def title(self) -> str:
        return str(SECTION_TITLES[EntryKind(self.kind)])


@dataclass
class LogRecord:
    """Everything the archive PDF shows of one log."""

    log: RelayLog
    period_start: datetime.datetime
    period_end: datetime.datetime | None
    units: list[str]
    coordinators: list[CoordinatorSpell]
    participants: list[Participant]
    consents: list[Consent]
    sections: list[Section]
    history: list[EntryVersion]
    entry_count: int
    generated_at: datetime.datetime = field(default_factory=timezone.now)


def coordinator_spells(log: RelayLog) -> list[CoordinatorSpell]:
    """The log's coordinators in turn, from its accepted handovers (one query)."""
    handovers = list(
        Handover.objects.filter(log=log, status=Handover.Status.ACCEPTED)
        .select_related("from_user", "to_user", "to_unit")
        .order_by("answered_at", "id")
    )
    spells: list[CoordinatorSpell] = []
    since = log.created_at
    unit = log.origin_unit.name
    for handover in handovers:
        at = handover.answered_at or handover.proposed_at
        spells.append(CoordinatorSpell(_name(handover.from_user), unit, since, at))
        since, unit = at, handover.to_unit.name
    spells.append(CoordinatorSpell(_name(log.coordinator), log.unit.name, since, None))
    return spells


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.username)


def consent_history(log: RelayLog) -> list[Consent]:
    """Every consent of the log, oldest first, with who gave it and which units it named
    (three queries)."""
    return list(
        Consent.objects.filter(log=log)
        .select_related("requested_by", "withdrawn_by")
        .prefetch_related(
            "givers",
            Prefetch("scope", queryset=ConsentUnit.objects.select_related("unit").order_by("id")),
        )
        .order_by("created_at", "id")
    )


def log_record(log: RelayLog, *, visible: Q) -> LogRecord:
    """The whole log as the archive PDF shows it, for the entries `visible` allows."""
    entries = log_selectors.timeline_oldest_first(log, visible=visible)
    by_kind: dict[str, list[Entry]] = {kind: [] for kind in SECTION_KINDS}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    sections = [Section(kind, by_kind[kind]) for kind in SECTION_KINDS if by_kind.get(kind)]
    edited = [e.id for e in entries if e.version_count > 1]
    history = list(
        EntryVersion.objects.filter(entry_id__in=edited)
        .exclude(entry__latest_id=F("id"))
        .select_related("entry", "author_unit", "responsible", "measure", "measure__latest")
        .order_by("entry__created_at", "entry_id", "number")
    )
    participants = list(
        Participant.objects.filter(log=log).select_related("user", "unit").order_by("added_at")
    )
    consents = consent_history(log)
    units: list[str] = []
    for name in [
        log.origin_unit.name,
        log.unit.name,
        *(p.unit.name for p in participants),
        *(s.unit.name for c in consents for s in c.scope.all()),
    ]:
        if name not in units:
            units.append(name)
    return LogRecord(
        log=log,
        period_start=log.activated_at or log.created_at,
        period_end=log.closed_at,
        units=units,
        coordinators=coordinator_spells(log),
        participants=participants,
        consents=consents,
        sections=sections,
        history=history,
        entry_count=len(entries),
    )


# --- Documents -----------------------------------------------------------------------------


def documents_of(log: RelayLog, limit: int = 5) -> list[ArchiveDocument]:
    """The log's newest archive documents, for the log page (one query)."""
    return list(ArchiveDocument.objects.filter(log=log).order_by("-created_at", "-id")[:limit])


def document_of(log: RelayLog, document_uuid: Any) -> ArchiveDocument | None:
    return ArchiveDocument.objects.filter(log=log, uuid=document_uuid).first()


def archive_path(relative: str) -> Path:
    """A stored file's place under STAFETT_ARCHIVE_DIR; refuses anything outside it."""
    root = Path(settings.STAFETT_ARCHIVE_DIR).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError("An archive file must lie under STAFETT_ARCHIVE_DIR.")
    return path


def submission_for(document: ArchiveDocument) -> dict[str, Any]:
    """What a hand-over to the municipality's archive (a folder drop, Fiks Arkiv) needs
    of a ready archive document:

    - `title`: the case's title (with the child's name; `public_title` without it),
    - `pdf_path`, `pdf_sha256`, `pdf_size`: the main document (PDF/A-2b),
    - `zip_path`, `zip_sha256`, `zip_size`: the package (PDF, log.json, noark-metadata.json),
    - `noark`: the Noark 5 metadata (the dict in noark-metadata.json: `saksmappe` with
      its `klassering`, `skjerming` and `journalpost` → `dokumentbeskrivelse` →
      `dokumentobjekt` with `sjekksum` and `sjekksumAlgoritme`),
    - `document_uuid`, `log_uuid`, `municipality_id`, `language`.

    Raises ValueError for a document that is not ready."""
    if not document.is_ready or not document.noark_metadata:
        raise ValueError("Only a ready archive document can be handed over.")
    saksmappe = document.noark_metadata["saksmappe"]
    return {
        "document_uuid": str(document.uuid),
        "log_uuid": str(saksmappe["systemID"]),
        "municipality_id": document.municipality_id,
        "language": document.language,
        "title": saksmappe["tittel"],
        "public_title": saksmappe["offentligTittel"],
        "pdf_path": archive_path(document.pdf_path),
        "pdf_sha256": document.pdf_sha256,
        "pdf_size": document.pdf_size,
        "zip_path": archive_path(document.package_path),
        "zip_sha256": document.package_sha256,
        "zip_size": document.package_size,
        "noark": document.noark_metadata,
    }


# --- The log page's archive card --------------------------------------------------------------


@dataclass
class ArchivePanel:
    """What the log page shows of the archive: to the coordinator, the log's archive
    documents (status, failure, downloads) and the button to ask for one; to the family,
    their own copy as PDF and JSON."""

    documents: list[ArchiveDocument]
    for_coordinator: bool
    for_family: bool


def archive_panel(actor: Any, facts: Any) -> ArchivePanel | None:
    """One query for the coordinator, none for anyone else."""
    from stafett.policy import allowed

    coordinator = allowed(actor, "archive.view", facts)
    family = allowed(actor, "log.export_family", facts)
    if not coordinator and not family:
        return None
    documents = documents_of(facts.log) if coordinator else []
    return ArchivePanel(documents=documents, for_coordinator=coordinator, for_family=family)
