"""The retention run as a background task (enqueued once a day by `stafett_scheduler`)."""

from __future__ import annotations

from django_tasks import task

from stafett.retention.services import run_retention


@task()
def run_retention_task() -> dict[str, int]:
    """Delete what has passed its time; each object in its own transaction. Safe to run
    twice: what is gone is gone, and what is no longer due is skipped."""
    report = run_retention()
    return {
        "deleted": len(report.deleted),
        "skipped": report.skipped,
        "failed": report.failed,
        "access_log_rows_pruned": sum(due.count for due in report.access_log_pruned),
    }
