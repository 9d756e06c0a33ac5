"""Seal what is pending and append a signed checkpoint of every chain's head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stafett.audit.checkpoints import checkpoint_dir, write_checkpoint


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of each access-log chain's head (seq, entry id, link, "
        "count, time) to STAFETT_ACCESS_LOG_CHECKPOINT_DIR. The scheduler does this every "
        "STAFETT_ACCESS_LOG_CHECKPOINT_MINUTES; run it by hand before and after maintenance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="Write here instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["dir"] or checkpoint_dir()
        checkpoint = write_checkpoint(directory=directory)
        heads = ", ".join(
            f"chain {head.chain}: seq {head.seq} ({head.count} rows)"
            for head in checkpoint.heads.values()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint written to {directory}: {heads or 'no sealed rows yet'}."
            )
        )
