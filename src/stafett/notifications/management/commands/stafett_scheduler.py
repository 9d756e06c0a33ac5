"""Enqueue the scheduled checks every few minutes (django-tasks has no scheduler).

`make worker` starts this beside `manage.py db_worker`, which runs what it enqueues.
The checks are idempotent, so a second scheduler, or a run after a pause, sends nothing
twice. While an earlier check still waits in the queue, no new one is added.

Once a day it also prunes the queue's finished rows older than a week
(`prune_db_task_results`), so that the task table does not grow for ever.

It also keeps the access log's evidence itself, without the queue (a task every two
seconds would flood it): every STAFETT_ACCESS_LOG_SEAL_SECONDS it seals the rows that
reads wrote (a read seals right after its commit too; this catches the rest), and every
STAFETT_ACCESS_LOG_CHECKPOINT_MINUTES it appends a signed checkpoint of each chain's
head to STAFETT_ACCESS_LOG_CHECKPOINT_DIR. Run one scheduler per deployment, on a host
that can write that directory.
"""

from __future__ import annotations

import logging
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
        seal_every = settings.STAFETT_ACCESS_LOG_SEAL_SECONDS
        checkpoint_every = settings.STAFETT_ACCESS_LOG_CHECKPOINT_MINUTES * 60
        pruned_at = 0.0
        checkpointed_at = 0.0
        retained_at = 0.0
        while self.running:
            self.enqueue()
            if time.monotonic() - pruned_at > PRUNE_EVERY or not pruned_at:
                _prune()
                pruned_at = time.monotonic()
            # Retention (issue 12): once a day, like the pruning.
            if time.monotonic() - retained_at > RETENTION_EVERY or not retained_at:
                self.enqueue_retention()
                retained_at = time.monotonic()
            slept = 0.0
            while self.running:
                _seal_access_log()
                if time.monotonic() - checkpointed_at > checkpoint_every or not checkpointed_at:
                    _checkpoint_access_log()
                    checkpointed_at = time.monotonic()
                if options["once"] or slept >= interval:
                    break
                waited = 0.0
                while self.running and waited < seal_every:
                    time.sleep(0.5)
                    waited += 0.5
                slept += waited
            if options["once"]:
                return

    def enqueue(self) -> None:
        from stafett.notifications.tasks import run_scheduled_checks

        if _already_waiting(run_scheduled_checks.module_path):
            return
        run_scheduled_checks.enqueue()
        self.stdout.write("Scheduled checks enqueued.")
        # Hand-overs to the archive and reports through Fiks (stafett.delivery).
        from stafett.delivery.tasks import run_delivery_checks

        if not _already_waiting(run_delivery_checks.module_path):
            run_delivery_checks.enqueue()

    def enqueue_retention(self) -> None:
        """Deleting what has passed its time (`stafett.retention`), once a day."""
        from stafett.retention.tasks import run_retention_task

        if _already_waiting(run_retention_task.module_path):
            return
        run_retention_task.enqueue()
        self.stdout.write("Retention enqueued.")


PRUNE_EVERY = 24 * 3600
RETENTION_EVERY = 24 * 3600
logger = logging.getLogger(__name__)


def _seal_access_log() -> None:
    from stafett.audit.log import seal_pending

    try:
        seal_pending()
    except Exception:
        # A failed round leaves the rows pending; the next one seals them.
        logger.exception("Sealing the access log failed")


def _checkpoint_access_log() -> None:
    from stafett.audit.checkpoints import write_checkpoint

    try:
        write_checkpoint()
    except Exception:
        logger.exception("Writing the access log's checkpoint failed")


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
