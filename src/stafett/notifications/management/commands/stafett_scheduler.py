"""Enqueue the scheduled checks every few minutes (django-tasks has no scheduler).

`make worker` starts this beside `manage.py db_worker`, which runs what it enqueues.
The checks are idempotent, so a second scheduler, or a run after a pause, sends nothing
twice. While an earlier check still waits in the queue, no new one is added.

Once a day it also prunes the queue's finished rows older than a week
(`prune_db_task_results`), so that the task table does not grow for ever.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Enqueue Stafett's scheduled checks (consent, evaluations, digests, retries)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=int,
            default=settings.STAFETT_SCHEDULER_INTERVAL,
            help="Seconds between two runs (default: STAFETT_SCHEDULER_INTERVAL).",
        )
        parser.add_argument("--once", action="store_true", help="Enqueue once and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.running = True

        def stop(signum: int, frame: FrameType | None) -> None:
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        interval: int = options["interval"]
        pruned_at = 0.0
        while self.running:
            self.enqueue()
            if time.monotonic() - pruned_at > PRUNE_EVERY or not pruned_at:
                _prune()
                pruned_at = time.monotonic()
            if options["once"]:
                return
            slept = 0.0
            while self.running and slept < interval:
                time.sleep(0.5)
                slept += 0.5

    def enqueue(self) -> None:
        from stafett.notifications.tasks import run_scheduled_checks

        if _already_waiting(run_scheduled_checks.module_path):
            return
        run_scheduled_checks.enqueue()
        self.stdout.write("Scheduled checks enqueued.")


PRUNE_EVERY = 24 * 3600


def _uses_database_queue() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db")


def _prune() -> None:
    if _uses_database_queue():
        call_command("prune_db_task_results", "--min-age-days", "7", verbosity=0)


def _already_waiting(task_path: str) -> bool:
    """With the database backend: is a run of the checks still waiting to be picked up?"""
    if not _uses_database_queue():
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path=task_path).exists()
