"""The archive's pages: the coordinator asks for an archive document and downloads its
PDF and package; the family downloads their own log as PDF and JSON.

Every view fetches the log through `stafett.policy.access_log` (404 to outsiders, 403 to
insiders without the right, refusals logged) and writes an access-log row for each
download in the transaction that reads the file or the log.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Callable
from typing import IO, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from stafett.archive import export, pdf, selectors, services
from stafett.archive.models import ArchiveDocument
from stafett.audit.log import record_access
from stafett.logs.models import RelayLog
from stafett.logs.views_content import explain_refusal
from stafett.policy import LogFacts, access_log, actor_for, visible_entries

logger = logging.getLogger(__name__)
BLOCK = 1 << 20
FileView = TypeVar("FileView", bound=Callable[..., HttpResponseBase])


def explain_file_refusal(view: FileView) -> FileView:
    """`logs.views_content.explain_refusal` for views that answer with a file."""
    return cast(FileView, explain_refusal(cast(Callable[..., HttpResponse], view)))


def _detail(log: RelayLog) -> str:
    return reverse("logs:detail", kwargs={"log": log.uuid}) + "#archive"


def _record(
    request: HttpRequest, log: RelayLog, facts: LogFacts, action: str, obj: object, reason: str
) -> None:
    record_access(
        actor=actor_for(request).user,
        action=action,
        obj=obj,
        object_type=type(obj).__name__,
        subject_uuid=log.subject.uuid,
        role=facts.role,
        unit_name=log.unit.name if facts.is_coordinator else "",
        reason=reason,
        request=request,
    )


@explain_refusal
@require_POST
def request_document(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    obj, _facts = access_log(request, log, "archive.request")
    try:
        services.request_document(actor=actor_for(request), log=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The archive document is being made. It is listed on this page when it is ready."),
        )
    return redirect(_detail(obj))


def _matches(handle: IO[bytes], sha256: str) -> bool:
    digest = hashlib.sha256()
    while block := handle.read(BLOCK):
        digest.update(block)
    handle.seek(0)
    return digest.hexdigest() == sha256


def _download(
    request: HttpRequest, log: uuid.UUID, document: uuid.UUID, what: str
) -> HttpResponseBase:
    obj, facts = access_log(request, log, "archive.view")
    with transaction.atomic():
        found = selectors.document_of(obj, document)
        if found is None or found.status != ArchiveDocument.Status.READY:
            raise Http404
        relative, sha256 = (
            (found.pdf_path, found.pdf_sha256)
            if what == "pdf"
            else (found.package_path, found.package_sha256)
        )
        try:
            handle = selectors.archive_path(relative).open("rb")
        except OSError as missing:
            logger.error("Archive document %s: the %s file is missing", found.uuid, what)
            raise Http404 from missing
        if not _matches(handle, sha256):
            # The stored file is not the one that was made: never hand it out.
            handle.close()
            logger.error("Archive document %s: %s does not match its checksum", found.uuid, what)
            raise Http404
        _record(request, obj, facts, f"archive.download_{what}", found, reason=what)
    name = pgettext("file name", "relay-log") + f"-{found.created_at:%Y-%m-%d}"
    if what == "pdf":
        return FileResponse(
            handle, as_attachment=True, filename=f"{name}.pdf", content_type="application/pdf"
        )
    return FileResponse(
        handle, as_attachment=True, filename=f"{name}.zip", content_type="application/zip"
    )


@explain_file_refusal
@require_GET
def document_pdf(request: HttpRequest, log: uuid.UUID, document: uuid.UUID) -> HttpResponseBase:
    return _download(request, log, document, "pdf")


@explain_file_refusal
@require_GET
def document_package(request: HttpRequest, log: uuid.UUID, document: uuid.UUID) -> HttpResponseBase:
    return _download(request, log, document, "package")


def _family_export(request: HttpRequest, log: uuid.UUID, what: str) -> HttpResponseBase:
    obj, facts = access_log(request, log, "log.export_family")
    actor = actor_for(request)
    assert actor.user is not None
    if services.family_exports_left(actor.user.id) <= 0:
        return render(
            request,
            "archive/too_many.html",
            {"log": obj, "per_hour": settings.STAFETT_FAMILY_EXPORTS_PER_HOUR},
            status=429,
        )
    visible = visible_entries(actor, facts)
    language = translation.get_language() or "nn"
    # Up to 8 MB in memory, then on disk: the response streams it either way.
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (FileResponse closes it)
    html = ""
    with transaction.atomic():
        if what == "pdf":
            html = pdf.log_html(
                obj, visible=visible, language=language, family=True, reader=actor.user
            )
        else:
            export.write_json(
                spool,  # type: ignore[arg-type]
                export.iter_log_json(obj, visible=visible, audience="family", language=language),
            )
        _record(request, obj, facts, "log.export_family", obj, reason=what)
    if html:
        # Laid out after the reading transaction: WeasyPrint needs no database.
        pdf.html_to_pdf(html, spool, identifier=str(obj.uuid))
    spool.seek(0)
    name = pgettext("file name", "relay-log") + f"-{timezone.localdate():%Y-%m-%d}"
    if what == "pdf":
        return FileResponse(
            spool, as_attachment=True, filename=f"{name}.pdf", content_type="application/pdf"
        )
    return FileResponse(
        spool, as_attachment=True, filename=f"{name}.json", content_type="application/json"
    )


@explain_file_refusal
@require_GET
def family_pdf(request: HttpRequest, log: uuid.UUID) -> HttpResponseBase:
    return _family_export(request, log, "pdf")


@explain_file_refusal
@require_GET
def family_json(request: HttpRequest, log: uuid.UUID) -> HttpResponseBase:
    return _family_export(request, log, "json")
