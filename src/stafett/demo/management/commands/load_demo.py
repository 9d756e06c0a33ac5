"""`manage.py load_demo`: create or reset the demo municipality, its staff and families."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stafett.demo.personas import DEMO_PASSWORD, PERSONAS
from stafett.demo.services import load_demo


class Command(BaseCommand):
    help = "Create or reset the demo data (Fjordvik kommune and Nabovik kommune). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.STAFETT_PRODUCTION:
            raise CommandError("The demo is not loaded into a production installation.")
        load_demo()
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded: {len(PERSONAS)} personas, password {DEMO_PASSWORD!r}."
                )
            )
            if not settings.STAFETT_DEMO:
                self.stdout.write(
                    self.style.WARNING("Demo personas can log in only with STAFETT_DEMO=1.")
                )
