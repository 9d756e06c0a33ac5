"""The real queue: the database backend (django-tasks-db) and its `db_worker`, as
`make worker` runs them. E-mails queued by a write go out when the worker runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry
from stafett.notifications.models import Delivery
from tests.logs.conftest import LogWorld
from tests.notifications.conftest import as_actor

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings: Any, monkeypatch: Any) -> None:
    settings.TASKS = DATABASE_BACKEND
    # The worker closes "old" connections between tasks; inside a test's transaction on
    # PostgreSQL that closes the test's own connection (SQLite's in-memory one survives).
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


def test_the_worker_sends_what_a_write_queued(
    active_log: LogWorld,
    database_queue: None,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: Any,
) -> None:
    world = active_log.world
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(
            actor=as_actor(world.guardian),
            log=active_log.log,
            kind=EntryKind.BRIGHT_SPOT,
            body="x",
        )
    # Queued, not sent: the web request does not wait for the mail server.
    assert DBTaskResult.objects.count() == 2
    assert mailoutbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.employee.email, world.school_employee.email]
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_the_scheduler_adds_no_second_run_while_one_waits(database_queue: None, db: Any) -> None:
    call_command("stafett_scheduler", "--once")
    call_command("stafett_scheduler", "--once")
    # The checks, the deliveries' checks and the daily retention run (issue 12), each queued once.
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "stafett.delivery.tasks.run_delivery_checks",
        "stafett.notifications.tasks.run_scheduled_checks",
        "stafett.retention.tasks.run_retention_task",
    ]
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    call_command("stafett_scheduler", "--once")
    assert DBTaskResult.objects.count() == 6
