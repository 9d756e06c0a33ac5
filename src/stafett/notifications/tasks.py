"""Background tasks (Django's tasks API through django-tasks; the database backend in
production, the ImmediateBackend in tests). Each task is safe to run twice."""

from __future__ import annotations

from django_tasks import task

from stafett.notifications import services


@task()
def send_delivery(delivery_id: int) -> str:
    """Send one e-mail (an immediate notification or a digest) if it is still due."""
    return services.deliver(delivery_id)


@task()
def run_scheduled_checks() -> dict[str, int]:
    """Expiring and expired consent, overdue evaluations, daily digests, retries."""
    return services.run_checks()
