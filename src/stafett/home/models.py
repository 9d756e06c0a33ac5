"""What the home page remembers: when a person last looked at a relay log.

"New since your last visit" on the family's home counts entries written after
`LogVisit.seen_at` (entries the person wrote themself never count). The log page
stamps the visit through `stafett.home.services.mark_log_seen`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class LogVisit(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    log = models.ForeignKey("logs.RelayLog", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "log"], name="log_visit_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.log_id} at {self.seen_at:%Y-%m-%d %H:%M}"
