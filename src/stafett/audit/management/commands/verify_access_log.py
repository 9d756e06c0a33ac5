"""Walk every access-log chain, check it against the latest checkpoint, report what broke."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stafett.audit.verify import verify_access_log


class Command(BaseCommand):
    help = (
        "Verify the access log: every chain's signed links, against the latest signed "
        "checkpoint (STAFETT_ACCESS_LOG_CHECKPOINT_DIR). Exits with an error naming each "
        "finding: altered, forged, rechained, truncated, missing_chain, gap, broken_link, "
        "unsealed, bad_checkpoint, forged_prune."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint-dir",
            type=Path,
            default=None,
            help="Read checkpoints from here (default: STAFETT_ACCESS_LOG_CHECKPOINT_DIR).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_access_log(directory=options["checkpoint_dir"])
        if report.checkpoint is None:
            self.stdout.write(
                self.style.WARNING(
                    "No checkpoint found: a truncated tail or a removed chain cannot be "
                    "detected (run export_access_log_checkpoint, or the scheduler)."
                )
            )
        else:
            self.stdout.write(f"Compared with {report.checkpoint.describe()}.")
        for summary in report.chains.values():
            self.stdout.write(
                f"chain {summary.chain}: {summary.sealed} sealed (head seq {summary.head_seq}, "
                f"{summary.legacy} from before keyed sealing), {summary.unsealed} not yet sealed"
                + (
                    f"; pruned up to seq {summary.pruned_upto} under a signed record"
                    if summary.pruned_upto
                    else ""
                )
            )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"Access log NOT intact: {len(report.problems)} finding(s): "
                + "; ".join(str(problem) for problem in report.problems)
            )
        total = sum(summary.sealed for summary in report.chains.values())
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {total} entries verified."))
