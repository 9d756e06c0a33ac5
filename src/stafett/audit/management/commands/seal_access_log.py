"""Seal the access log's pending rows now (the scheduler does it every few seconds)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from stafett.audit.log import seal_pending


class Command(BaseCommand):
    help = "Link and sign every access-log row not yet sealed."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Sealed {seal_pending()} access-log rows.")
