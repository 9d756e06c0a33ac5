"""Writes for the archive: ask for an archive document (on closing, or on the
coordinator's demand), build it (the background task's work), retry failed builds, and
the family's downloads' rate limit.

A build that fails leaves the log as it is (closed stays closed): the document is marked
failed with the error's kind and message (shown to the coordinator on the log page) and,
until STAFETT_ARCHIVE_MAX_ATTEMPTS attempts have been made, a time for the next attempt,
which the scheduled checks pick up (`retry_due`).
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.accounts.models import User
from stafett.archive import export, pdf
from stafett.archive.models import ArchiveDocument
from stafett.archive.selectors import archive_path
from stafett.audit.models import AccessLogEntry
from stafett.core.errors import ServiceError
from stafett.logs.models import RelayLog
from stafett.policy import ANONYMOUS_ACTOR, Actor, acting_user, enforce, log_facts

logger = logging.getLogger(__name__)

# A build that has run this long is taken to have died with its worker.
BUILD_LEASE = datetime.timedelta(minutes=30)
FIRST_RETRY = datetime.timedelta(minutes=2)


def _language(log: RelayLog) -> str:
    return str(log.municipality.language or settings.LANGUAGE_CODE)


def _create(log: RelayLog, *, kind: str, requested_by: User | None = None) -> ArchiveDocument:
    document = ArchiveDocument.objects.create(
        municipality_id=log.municipality_id,
        log=log,
        kind=kind,
        language=_language(log),
        requested_by=requested_by,
    )
    transaction.on_commit(lambda: enqueue_build(document.id))
    return document


def enqueue_build(document_id: int) -> None:
    from stafett.archive.tasks import build_archive_document

    build_archive_document.enqueue(document_id)


def archive_on_closing(log: RelayLog) -> ArchiveDocument:
    """Called by `logs.services.close_log` inside its transaction: the build is queued
    once the closing has committed."""
    return _create(log, kind=ArchiveDocument.Kind.CLOSING)


def request_document(*, actor: Actor, log: RelayLog) -> ArchiveDocument:
    """The coordinator asks for an archive document now. One at a time: while one is
    waiting or being made, asking again changes nothing."""
    with transaction.atomic():
        log = (
            RelayLog.objects.select_for_update(of=("self",))
            .select_related(
                "subject", "subject__municipality", "municipality", "unit", "origin_unit"
            )
            .get(pk=log.pk)
        )
        enforce(actor, "archive.request", log_facts(actor, log))
        busy = ArchiveDocument.objects.filter(
            log=log,
            status__in=[ArchiveDocument.Status.QUEUED, ArchiveDocument.Status.BUILDING],
        ).exists()
        if busy:
            raise ServiceError(
                _("An archive document is already being made. Wait until it is ready.")
            )
        return _create(log, kind=ArchiveDocument.Kind.ON_DEMAND, requested_by=acting_user(actor))


# --- The build (the background task's work) --------------------------------------------------


def _claim(document_id: int, now: datetime.datetime) -> ArchiveDocument | None:
    with transaction.atomic():
        document: ArchiveDocument | None = (
            ArchiveDocument.objects.select_for_update(of=("self",))
            .filter(id=document_id)
            .select_related(
                "log",
                "log__subject",
                "log__subject__municipality",
                "log__municipality",
                "log__unit",
                "log__origin_unit",
                "log__coordinator",
            )
            .first()
        )
        if document is None or document.status == ArchiveDocument.Status.READY:
            return None
        building = document.status == ArchiveDocument.Status.BUILDING
        if building and document.started_at and document.started_at > now - BUILD_LEASE:
            return None  # another worker is at it
        document.status = ArchiveDocument.Status.BUILDING
        document.attempts += 1
        document.started_at = now
        document.next_attempt_at = None
        document.save(update_fields=["status", "attempts", "started_at", "next_attempt_at"])
        return document


def build(document_id: int) -> str:
    """Make the PDF and the package of one archive document; returns its new status
    (or "skipped" when it is ready already or another worker is making it)."""
    now = timezone.now()
    document = _claim(document_id, now)
    if document is None:
        return "skipped"
    try:
        _make_files(document)
    except Exception as error:  # any failure: recorded, shown, retried
        logger.exception("Building archive document %s failed", document.uuid)
        _failed(document, error)
        return str(ArchiveDocument.Status.FAILED)
    return str(ArchiveDocument.Status.READY)


def _folder(document: ArchiveDocument) -> str:
    return f"{document.municipality_id}/{document.log.uuid}/{document.uuid}"


def _make_files(document: ArchiveDocument) -> None:
    log = document.log
    folder = _folder(document)
    directory = archive_path(folder)
    directory.mkdir(parents=True, exist_ok=True)
    pdf_relative = f"{folder}/stafettlogg.pdf"
    zip_relative = f"{folder}/stafettlogg.zip"
    pdf_file, zip_file = archive_path(pdf_relative), archive_path(zip_relative)
    partial_pdf = pdf_file.with_suffix(".pdf.part")
    partial_zip = zip_file.with_suffix(".zip.part")
    try:
        pdf.write_log_pdf(partial_pdf, log, visible=Q(), language=document.language, family=False)
        os.replace(partial_pdf, pdf_file)
        pdf_sha, pdf_size = export.file_sha256(pdf_file)
        metadata = export.write_package(
            partial_zip,
            log=log,
            pdf_path=pdf_file,
            pdf_sha256=pdf_sha,
            document_uuid=str(document.uuid),
            language=document.language,
            pdf_title=f"Stafettlogg – {log.subject.full_name}",
        )
        os.replace(partial_zip, zip_file)
        zip_sha, zip_size = export.file_sha256(zip_file)
    finally:
        for leftover in (partial_pdf, partial_zip):
            leftover.unlink(missing_ok=True)
    with transaction.atomic():
        ArchiveDocument.objects.filter(pk=document.pk).update(
            status=ArchiveDocument.Status.READY,
            finished_at=timezone.now(),
            pdf_path=pdf_relative,
            pdf_sha256=pdf_sha,
            pdf_size=pdf_size,
            package_path=zip_relative,
            package_sha256=zip_sha,
            package_size=zip_size,
            noark_metadata=metadata,
            last_error="",
            next_attempt_at=None,
        )
        _made(document)


def _made(document: ArchiveDocument) -> None:
    """A line in the log's history, and (once committed) the hand-over to the
    municipality's archive when it has chosen a transport (`delivery.handover`)."""
    from stafett.delivery.handover import hand_over_when_ready
    from stafett.logs.services import add_event

    add_event(
        log=document.log,
        actor=ANONYMOUS_ACTOR,
        event_type="archive.made",
        variant="on_demand" if document.kind == ArchiveDocument.Kind.ON_DEMAND else "",
    )
    document_id = document.id
    transaction.on_commit(lambda: hand_over_when_ready(document_id))


def backoff(attempts: int) -> datetime.timedelta:
    """2, 8, 32 … minutes after the 1st, 2nd, 3rd failed attempt."""
    factor: int = 4 ** max(attempts - 1, 0)
    return FIRST_RETRY * factor


def _failed(document: ArchiveDocument, error: Exception) -> None:
    now = timezone.now()
    retry = document.attempts < settings.STAFETT_ARCHIVE_MAX_ATTEMPTS
    message = f"{type(error).__name__}: {error}"[:500]
    ArchiveDocument.objects.filter(pk=document.pk).update(
        status=ArchiveDocument.Status.FAILED,
        finished_at=now,
        last_error=message,
        next_attempt_at=now + backoff(document.attempts) if retry else None,
    )
    shutil.rmtree(archive_path(_folder(document)), ignore_errors=True)


def retry_due(now: datetime.datetime | None = None) -> int:
    """Queue again the failed builds whose next attempt is due, and the builds whose
    worker died (the scheduled checks call this). Returns how many were queued."""
    now = now or timezone.now()
    due = list(
        ArchiveDocument.objects.filter(
            status=ArchiveDocument.Status.FAILED, next_attempt_at__lte=now
        ).values_list("id", flat=True)
    ) + list(
        ArchiveDocument.objects.filter(
            status=ArchiveDocument.Status.BUILDING, started_at__lt=now - BUILD_LEASE
        ).values_list("id", flat=True)
    )
    for document_id in due:
        enqueue_build(document_id)
    return len(due)


# --- The family's downloads -----------------------------------------------------------------

FAMILY_EXPORT_ACTIONS = ("log.export_family",)


def family_exports_left(user_id: int, now: datetime.datetime | None = None) -> int:
    """How many more downloads of their own log the person may make this hour. The
    access log is the record: each download writes a row there."""
    since = (now or timezone.now()) - datetime.timedelta(hours=1)
    made = AccessLogEntry.objects.filter(
        actor_id=user_id,
        action__in=FAMILY_EXPORT_ACTIONS,
        outcome=AccessLogEntry.Outcome.ALLOWED,
        at__gte=since,
    ).count()
    return max(settings.STAFETT_FAMILY_EXPORTS_PER_HOUR - made, 0)
