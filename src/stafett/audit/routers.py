"""The "audit" database alias is a second connection to the default database (see
settings.DATABASES and stafett.audit.refusals), never a database of its own."""

from __future__ import annotations

from typing import Any


class AuditConnectionRouter:
    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The tables are the default database's; migrating "through" the second
        # connection would only apply the same migrations twice.
        return False if db == "audit" else None
