"""A relay log with something in every section, ready to close and archive."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from stafett.archive.models import ArchiveDocument
from stafett.logs.models import RelayLog
from stafett.logs.services import add_entry, close_log, edit_entry
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.conftest import active_log as active_log  # the fixture, for this folder

GOAL = "Mia et lunsj saman med dei andre borna"
MEASURE = "Fast vaksen ved lunsjbordet"
BRIGHT = "Mia song for heile gruppa i dag"
VOICE = "Mia seier ho likar å sitje ved sida av Ola"
OLD_NOTE = "Første utkast til notatet"
NEW_NOTE = "Notatet, retta"


def pdf_text(data: bytes) -> str:
    """The PDF's text, read with pypdf (not WeasyPrint); words joined by single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def fill(lw: LogWorld) -> None:
    """A goal, a measure, a meeting, an evaluation, a bright spot, the child's voice, and
    a note written twice (so the history of edited entries has a line)."""
    eva = as_actor(lw.world.employee)
    today = timezone.localdate()
    add_entry(actor=eva, log=lw.log, kind="goal", title=GOAL, body="Innan jul.")
    measure = add_entry(
        actor=eva,
        log=lw.log,
        kind="measure",
        title=MEASURE,
        responsible=lw.world.employee,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=30),
        measure_status="running",
    )
    add_entry(
        actor=eva,
        log=lw.log,
        kind="meeting",
        meeting_kind="start_up",
        starts_at=timezone.now() - datetime.timedelta(days=1),
        place="Solsida barnehage",
        minutes="Vi vart samde om måla.",
    )
    add_entry(
        actor=eva,
        log=lw.log,
        kind="evaluation",
        measure=measure,
        effect="better",
        body="Det går betre ved lunsj.",
    )
    add_entry(actor=as_actor(lw.world.guardian), log=lw.log, kind="bright_spot", body=BRIGHT)
    add_entry(actor=eva, log=lw.log, kind="child_voice", body=VOICE, voice_mode="recorded")
    note = add_entry(actor=eva, log=lw.log, kind="note", body=OLD_NOTE)
    edit_entry(actor=eva, entry=note, base_version=1, body=NEW_NOTE)


def close(lw: LogWorld, capture: Any) -> ArchiveDocument:
    """Close the log as its coordinator; run what waits for the commit (the build)."""
    with capture(execute=True):
        close_log(
            actor=as_actor(lw.world.employee),
            log=RelayLog.objects.get(pk=lw.log.pk),
            reason="Måla er nådde.",
            close_reason="goals_met",
        )
    lw.log.refresh_from_db()
    return ArchiveDocument.objects.get(log=lw.log)


@pytest.fixture
def filled_log(active_log: LogWorld) -> LogWorld:
    fill(active_log)
    return active_log
