"""`manage.py retention [--dry-run]`: delete (or list) what has passed its time.

Lists metadata only: the municipality, the kind, the id, when it was closed and the
rule. Never a name."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stafett.retention.services import Due, run_retention


class Command(BaseCommand):
    help = (
        "Delete closed relay logs and concerns, and prune access-log rows, whose "
        "retention period has passed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        report = run_retention(dry_run=dry_run)
        items = report.would_delete if dry_run else report.deleted
        verb = "would delete" if dry_run else "deleted"
        for item in items:
            self.stdout.write(f"{verb}: {_line(item)}")
        self.stdout.write(
            f"{len(items)} {verb}"
            + ("" if dry_run else f", {report.skipped} skipped, {report.failed} failed")
            + "."
        )
        pruned = report.access_log_would_prune if dry_run else report.access_log_pruned
        verb = "would prune" if dry_run else "pruned"
        for due in pruned:
            self.stdout.write(
                f"{verb}: {due.municipality} access log seq {due.from_seq}-{due.upto_seq} "
                f"({due.count} rows, {due.from_at:%Y-%m-%d} to {due.to_at:%Y-%m-%d}, "
                f"{due.period_months} months)"
            )
        for item in report.kept_for_archive:
            self.stdout.write(
                f"kept (its archive package is not in the archive yet): {_line(item)}"
            )
        if report.failed:
            raise SystemExit(1)


def _line(item: Due) -> str:
    closed = item.closed_at.date().isoformat() if item.closed_at else "-"
    return (
        f"{item.municipality} {item.kind} {item.uuid} closed {closed} "
        f"(rule {item.rule}, {item.period_months} months)"
    )
