"""Set up (or change) a municipality's log-in provider.

    manage.py signin_provider fjordvik idporten --issuer https://idporten.no \
        --client-id abc123
    manage.py signin_provider fjordvik entra \
        --issuer https://login.microsoftonline.com/<tenant>/v2.0 --client-id … --acr c1
    manage.py signin_provider fjordvik feide --off

The client secret is never given here: it is read from the environment
(STAFETT_OIDC_SECRET_<SHORT NAME>_<KIND>) or from a file in STAFETT_OIDC_SECRETS_DIR.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stafett.organisation.models import Municipality
from stafett.signin.models import Provider
from stafett.signin.oidc import IDPORTEN_HIGH, secret_name


class Command(BaseCommand):
    help = "Set up a municipality's ID-porten, Feide or Entra ID log-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", help="The municipality's short name (slug).")
        parser.add_argument("kind", choices=Provider.Kind.values)
        parser.add_argument("--issuer", default="")
        parser.add_argument("--client-id", default="")
        parser.add_argument(
            "--acr",
            default=None,
            help="Required assurance: ID-porten acr (default idporten-loa-high), Entra ID "
            "authentication context for `acrs` (e.g. c1), Feide acr.",
        )
        parser.add_argument("--off", action="store_true", help="Stop using this provider.")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"No municipality with the short name {options['municipality']!r}.")
        provider = Provider.objects.filter(municipality=municipality, kind=options["kind"]).first()
        if provider is None:
            if not options["issuer"] or not options["client_id"]:
                raise CommandError("A new provider needs --issuer and --client-id.")
            provider = Provider(municipality=municipality, kind=options["kind"])
            if options["kind"] == Provider.Kind.IDPORTEN:
                provider.required_acr = IDPORTEN_HIGH
        if options["issuer"]:
            provider.issuer = options["issuer"]
        if options["client_id"]:
            provider.client_id = options["client_id"]
        if options["acr"] is not None:
            provider.required_acr = options["acr"]
        provider.is_active = not options["off"]
        provider.full_clean()
        provider.save()
        self.stdout.write(
            f"{provider.get_kind_display()} for {municipality.name}: "
            f"{'in use' if provider.is_active else 'off'}. "
            f"Client secret from {secret_name(provider)}."
        )
