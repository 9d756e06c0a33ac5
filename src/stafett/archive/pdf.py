"""The relay log as a PDF, made with WeasyPrint from `archive/log_pdf.html`.

The same template makes the archive document (the whole log, in the log's language,
PDF/A-2b) and the family's copy (what the family may read, in the reader's language).
WeasyPrint fetches nothing: no base URL, and a URL fetcher that refuses everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from stafett.archive.selectors import log_record
from stafett.logs.models import RelayLog

PDF_VARIANT = "pdf/a-2b"


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"The archive PDF fetches nothing ({url[:40]}).")


def log_html(log: RelayLog, *, visible: Q, language: str, family: bool, reader: Any = None) -> str:
    """The HTML the PDF is made from (tests read it too)."""
    with translation.override(language):
        record = log_record(log, visible=visible)
        return render_to_string(
            "archive/log_pdf.html",
            {
                "record": record,
                "log": log,
                "family": family,
                "user": reader,
                "language": language,
                "printed_at": timezone.localtime(),
            },
        )


def html_to_pdf(html: str, target: Path | Any, *, identifier: str) -> None:
    """Lay the HTML out as a PDF/A-2b into `target` (a path or a binary file object).
    Reads nothing from the database: call it after the reading transaction."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    HTML(string=html, url_fetcher=_no_fetch).write_pdf(
        target, pdf_variant=PDF_VARIANT, pdf_identifier=identifier.encode()
    )


def write_log_pdf(
    target: Path | Any,
    log: RelayLog,
    *,
    visible: Q,
    language: str,
    family: bool,
    reader: Any = None,
) -> None:
    html = log_html(log, visible=visible, language=language, family=family, reader=reader)
    html_to_pdf(html, target, identifier=str(log.uuid))
