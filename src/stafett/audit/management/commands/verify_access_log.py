"""Walk every access-log chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from stafett.audit.log import verify_chain
from stafett.audit.models import AccessLogEntry


class Command(BaseCommand):
    help = "Verify the hash chain of the access log; exit with an error at the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        chains = AccessLogEntry.objects.order_by().values_list("chain", flat=True).distinct()
        total = 0
        for chain in sorted(set(chains)):
            broken = verify_chain(chain)
            if broken is not None:
                raise CommandError(
                    f"Access log broken in chain {chain} at entry id={broken.id} "
                    f"({broken.at:%Y-%m-%d %H:%M:%S} UTC): its content or its link to the "
                    "previous entry does not match."
                )
            total += AccessLogEntry.objects.filter(chain=chain).count()
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {total} entries verified."))
