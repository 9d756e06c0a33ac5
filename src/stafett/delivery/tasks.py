"""Background tasks (django-tasks). Each is safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from stafett.delivery import reports, services


@task()
def attempt_archive_delivery(delivery_id: int) -> str:
    """One try of a hand-over to the archive, if it is still due."""
    return services.attempt(delivery_id)


@task()
def run_delivery_checks() -> dict[str, Any]:
    """Archive hand-overs (due attempts, Fiks Arkiv's answers, no answer → again) and
    reports through Fiks (statuses, the three-week reminder). Enqueued by
    `manage.py stafett_scheduler`."""
    return {"archive": services.run_archive_checks(), "reports": reports.run_report_checks()}


@task()
def deliver_archive_package(submission: dict[str, Any]) -> str:
    """For the archive document's task to enqueue once the PDF and ZIP are stored:
    `submission` is `ArchiveSubmission.to_json()`."""
    from stafett.delivery.submission import ArchiveSubmission

    delivery = services.deliver_to_archive(ArchiveSubmission.from_json(submission))
    return delivery.status if delivery is not None else "not handed over"
