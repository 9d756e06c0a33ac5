"""The Fiks connection, from the environment (never from the database).

Secrets come from an environment variable or from a file named by `<NAME>_FILE` (for
container secrets). Read when a client is made, so that a deployment can rotate a key by
restarting the worker. In the demo (STAFETT_DEMO=1) no real client is ever made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class NotConfigured(Exception):
    """Fiks is not set up for this installation (or this is the demo)."""


def secret(name: str) -> str:
    """`NAME`, or the contents of the file `NAME_FILE`; "" when neither is set."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE cannot be read: {error}") from None
    return ""


@dataclass(frozen=True)
class FiksConfig:
    api_url: str
    integration_id: str
    integration_password: str
    org_id: str
    io_account: str
    maskinporten_token_url: str
    maskinporten_audience: str
    maskinporten_client_id: str
    maskinporten_key_pem: str
    maskinporten_kid: str


def fiks_config() -> FiksConfig:
    """The installation's Fiks set-up; NotConfigured when it is missing or in the demo."""
    if settings.STAFETT_DEMO:
        raise NotConfigured("The demo sends nothing to Fiks.")
    values = FiksConfig(
        api_url=os.environ.get("STAFETT_FIKS_API_URL", "").rstrip("/"),
        integration_id=os.environ.get("STAFETT_FIKS_INTEGRATION_ID", ""),
        integration_password=secret("STAFETT_FIKS_INTEGRATION_PASSWORD"),
        org_id=os.environ.get("STAFETT_FIKS_ORG_ID", ""),
        io_account=os.environ.get("STAFETT_FIKS_IO_ACCOUNT", ""),
        maskinporten_token_url=os.environ.get("STAFETT_MASKINPORTEN_TOKEN_URL", ""),
        maskinporten_audience=os.environ.get("STAFETT_MASKINPORTEN_AUDIENCE", ""),
        maskinporten_client_id=os.environ.get("STAFETT_MASKINPORTEN_CLIENT_ID", ""),
        maskinporten_key_pem=secret("STAFETT_MASKINPORTEN_KEY"),
        maskinporten_kid=os.environ.get("STAFETT_MASKINPORTEN_KID", ""),
    )
    missing = [
        name
        for name, value in (
            ("STAFETT_FIKS_API_URL", values.api_url),
            ("STAFETT_FIKS_INTEGRATION_ID", values.integration_id),
            ("STAFETT_FIKS_INTEGRATION_PASSWORD", values.integration_password),
            ("STAFETT_FIKS_ORG_ID", values.org_id),
            ("STAFETT_MASKINPORTEN_TOKEN_URL", values.maskinporten_token_url),
            ("STAFETT_MASKINPORTEN_CLIENT_ID", values.maskinporten_client_id),
            ("STAFETT_MASKINPORTEN_KEY", values.maskinporten_key_pem),
        )
        if not value
    ]
    if missing:
        raise NotConfigured("Missing: " + ", ".join(missing))
    return values


def drop_root() -> Path:
    """Where folder drops go: STAFETT_ARCHIVE_DROP_ROOT (the operator's choice)."""
    root = os.environ.get("STAFETT_ARCHIVE_DROP_ROOT", "")
    if not root:
        raise NotConfigured("STAFETT_ARCHIVE_DROP_ROOT is not set.")
    return Path(root)
