"""Background tasks of the archive (django-tasks; the database backend in production,
the ImmediateBackend in tests). Each is safe to run twice."""

from __future__ import annotations

from django_tasks import task

from stafett.archive import services


@task()
def build_archive_document(document_id: int) -> str:
    """Make the PDF and the package of one archive document (a failure is recorded on
    the document and retried by the scheduled checks)."""
    return services.build(document_id)
