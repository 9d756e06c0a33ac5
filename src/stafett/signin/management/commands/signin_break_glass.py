"""Mark (or unmark) an account as break-glass: it may use the password + one-time-code
log-in even where its municipality has switched that log-in off.

    manage.py signin_break_glass admin.fjordvik
    manage.py signin_break_glass admin.fjordvik --off
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from stafett.accounts.models import User
from stafett.audit.log import record_access


class Command(BaseCommand):
    help = "Let an account use the password log-in where the municipality has switched it off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--off", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account with the username {options['username']!r}.")
        with transaction.atomic():
            user.is_break_glass = not options["off"]
            user.save(update_fields=["is_break_glass"])
            record_access(
                actor=None,
                action="signin.break_glass_on" if user.is_break_glass else "signin.break_glass_off",
                obj=user,
                object_type="User",
                reason="manage.py signin_break_glass",
                municipality_id=user.municipality_id,
            )
        state = "may" if user.is_break_glass else "may no longer"
        self.stdout.write(f"{user.username} {state} use the password log-in when it is off.")
