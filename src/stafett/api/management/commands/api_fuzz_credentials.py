"""Credentials for fuzzing the API (.ci/api-fuzz): one per role, on the demo data.

Prints one line per role: the role's name, a tab, then the HTTP headers that
authenticate it (tab-separated): integration tokens (read and write, each taking part
in one of the demo's relay logs; one of the other municipality) and web sessions of
the demo personas (with a CSRF cookie and header, so that their writes reach the
policy). Demo mode only: it creates working tokens and sessions."""

from __future__ import annotations

import secrets
import time
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.middleware import SESSION_AUTH_AT
from stafett.accounts.models import User
from stafett.api.services import create_token
from stafett.logs.models import EDITABLE_KINDS, Entry, EntryKind, RelayLog
from stafett.logs.services import add_participant
from stafett.organisation.models import Unit
from stafett.policy import build_actor, log_facts

COORDINATOR = "pedagog.barnehage"
ADMIN = "admin.fjordvik"
OTHER_ADMIN = "admin.nabovik"
# Web sessions fuzzed beside the tokens: the log's coordinator, the unit's leader (who
# sees where logs stand, no content) and a guardian.
PERSONAS = {
    "coordinator": COORDINATOR,
    "leader": "leiar.barnehage",
    "guardian": "foresatt.hansen",
}


def _actor(user: User) -> Any:
    user.is_verified = lambda: True  # type: ignore[attr-defined]
    return build_actor(user)


class Command(BaseCommand):
    help = "Print API credentials per role for fuzzing (demo mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--config",
            help="Write a schemathesis.toml here that fills the path parameters with the "
            "demo log and its entries, so that the fuzzing reaches real data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.STAFETT_DEMO:
            raise CommandError("Demo mode only (STAFETT_DEMO=1): this creates working tokens.")
        lines: list[str] = []
        coordinator = User.objects.get(username=COORDINATOR)
        admin = User.objects.get(username=ADMIN)
        log = self._open_log(coordinator)
        for scope in ("read", "write"):
            token, key = create_token(
                actor=_actor(admin),
                municipality=log.municipality,
                name=f"Fuzz {scope}",
                scope=scope,
                units=[log.unit],
                valid_days=1,
            )
            add_participant(
                actor=_actor(coordinator), log=log, user=token.user, unit=log.unit, task="Fuzz"
            )
            lines.append(f"token_{scope}\tAuthorization: Bearer {key}")
        other_admin = User.objects.get(username=OTHER_ADMIN)
        unit = Unit.objects.filter(municipality=other_admin.municipality).first()
        if unit is not None:
            _token, key = create_token(
                actor=_actor(other_admin),
                municipality=other_admin.municipality,  # type: ignore[arg-type]
                name="Fuzz other municipality",
                scope="write",
                units=[unit],
                valid_days=1,
            )
            lines.append(f"token_other_municipality\tAuthorization: Bearer {key}")
        for role, username in PERSONAS.items():
            lines.append(f"session_{role}\t" + "\t".join(self._session(username)))
        lines.append("anonymous\t")
        if options.get("config"):
            self._write_config(options["config"], log)
        self.stdout.write("\n".join(lines))

    def _write_config(self, path: str, log: RelayLog) -> None:
        """The log everywhere; per path, an entry of the kind the path is about."""
        entries = {
            kind: Entry.objects.filter(log=log, kind=kind).order_by("id").first()
            for kind in (EntryKind.MEASURE, EntryKind.MEETING)
        }
        entries[EntryKind.NOTE] = (
            Entry.objects.filter(log=log, kind__in=EDITABLE_KINDS).order_by("id").first()
        )
        unit = log.unit
        parts = [
            "[parameters]\n"
            f'"path.log" = "{log.uuid}"\n'
            f'"path.unit" = "{unit.uuid}"\n'
            f'"path.service" = "{unit.service_kind.uuid}"\n'
        ]
        for segment, kind in (
            ("entries", EntryKind.NOTE),
            ("measures", EntryKind.MEASURE),
            ("meetings", EntryKind.MEETING),
        ):
            entry = entries[kind]
            if entry is None:
                continue
            parts.append(
                "[[operations]]\n"
                f'include-path = "/api/v1/logs/{{log}}/{segment}/{{entry}}"\n'
                f'parameters = {{ "path.entry" = "{entry.uuid}" }}\n'
            )
        with open(path, "w", encoding="utf-8") as config:
            config.write("\n".join(parts))

    def _open_log(self, coordinator: User) -> RelayLog:
        actor = _actor(coordinator)
        for log in RelayLog.objects.filter(coordinator=coordinator).exclude(
            status=RelayLog.Status.CLOSED
        ):
            facts = log_facts(actor, log)
            if facts.consent_open and log.unit_id in facts.scope_unit_ids:
                return cast(RelayLog, log)
        raise CommandError("No open relay log with valid consent in the demo data.")

    def _session(self, username: str) -> list[str]:
        user = User.objects.get(username=username)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "stafett.accounts.backends.StafettBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SESSION_AUTH_AT] = time.time()
        if user.is_staff_member:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is not None:
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked CSRF secret
        cookies = (
            f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}"
        )
        return [f"Cookie: {cookies}", f"X-CSRFToken: {csrf}"]
