"""Failed password steps, counted per typed username, address and time window.

An anonymous visitor who types a wrong password has read nothing, so the failure is not
written to the access log (the chain the families read, one row per read). Instead one
`LoginFailureWindow` row per (username, address, window) counts the failures with the
first and last time, so a scanner's thousand tries are one row per username and address.
The lock-out itself is django-axes' (AXES_* settings); a try refused by the lock-out is
counted here too. The rows hold network addresses, so they are kept only
STAFETT_LOGIN_FAILURE_KEEP_DAYS days (the scheduled checks forget older ones).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from stafett.accounts.models import LoginFailureWindow, User

# Only this much of what someone typed as a username is kept.
KEPT_USERNAME_LENGTH = 150
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def window_start(at: datetime.datetime) -> datetime.datetime:
    """The start of the fixed window `at` falls in (windows are aligned to UTC)."""
    length = datetime.timedelta(minutes=settings.STAFETT_LOGIN_FAILURE_WINDOW_MINUTES)
    return _EPOCH + ((at - _EPOCH) // length) * length


def record_failed_login(
    *, typed_username: str, address: str | None, locked: bool, municipality_id: int | None = None
) -> LoginFailureWindow:
    """Count one failed password step (`locked`: refused by the lock-out). Never the password.

    `municipality_id`: for a refused provider log-in (stafett.signin), whose "username" is
    the provider's name in brackets and belongs to no account."""
    now = timezone.now()
    key = {
        "username": typed_username[:KEPT_USERNAME_LENGTH],
        "address": address or "",
        "window_start": window_start(now),
    }
    changes = {"count": F("count") + 1, "last_at": now}
    if locked:
        changes["locked_count"] = F("locked_count") + 1
    with transaction.atomic():
        if not LoginFailureWindow.objects.filter(**key).update(**changes):
            try:
                # A savepoint: two first failures at once must not break the transaction.
                with transaction.atomic():
                    return _first_failure(
                        key, now=now, locked=locked, municipality_id=municipality_id
                    )
            except IntegrityError:
                LoginFailureWindow.objects.filter(**key).update(**changes)
        return LoginFailureWindow.objects.get(**key)


def _first_failure(
    key: dict[str, object],
    *,
    now: datetime.datetime,
    locked: bool,
    municipality_id: int | None = None,
) -> LoginFailureWindow:
    account = User.objects.filter(username=key["username"]).only("id", "municipality_id").first()
    if account is not None:
        municipality_id = account.municipality_id
    return LoginFailureWindow.objects.create(
        **key,
        user=account,
        municipality_id=municipality_id,
        count=1,
        locked_count=1 if locked else 0,
        first_at=now,
        last_at=now,
    )


def forget_old_login_failures(now: datetime.datetime | None = None) -> int:
    """Delete the windows whose last failure is older than the keeping period."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.STAFETT_LOGIN_FAILURE_KEEP_DAYS)
    deleted, _ = LoginFailureWindow.objects.filter(last_at__lt=cutoff).delete()
    return deleted
