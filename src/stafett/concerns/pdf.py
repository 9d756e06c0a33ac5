"""The report to child welfare as a PDF, made with WeasyPrint from an HTML template.

The HTML is built from the report's latest version only; WeasyPrint fetches nothing
(no base URL, and a URL fetcher that refuses everything), so no file or address on the
server can be pulled into a report.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.template.loader import render_to_string
from django.utils import timezone

from stafett.concerns.models import Concern
from stafett.concerns.selectors import ReportPage


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"The report PDF fetches nothing ({url[:40]}).")


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.username) if user is not None else ""


def report_html(concern: Concern, page: ReportPage) -> str:
    """The HTML the PDF is made from (tested on its own: the PDF's text is compressed)."""
    return render_to_string(
        "concerns/report_pdf.html",
        {
            "concern": concern,
            "report": page.report,
            "version": page.latest,
            "printed_at": timezone.localtime(),
            "violence_by": _name(concern.violence_path_by),
        },
    )


def report_pdf_bytes(concern: Concern, page: ReportPage) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=report_html(concern, page), url_fetcher=_no_fetch).write_pdf()
    return pdf
