"""Fixtures for provider log-in: a real OpenID provider on 127.0.0.1 per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from stafett.organisation.models import Municipality
from stafett.signin.models import Provider
from stafett.signin.oidc import IDPORTEN_HIGH, secret_name
from tests.signin.provider import OidcTestProvider

SECRET = "a-test-client-secret"


@pytest.fixture
def oidc() -> Iterator[OidcTestProvider]:
    provider = OidcTestProvider().start()
    try:
        yield provider
    finally:
        provider.stop()


def configure(
    monkeypatch: Any,
    idp: OidcTestProvider,
    municipality: Municipality,
    kind: str,
    *,
    redirect_uris: tuple[str, ...] = ("http://testserver/login/callback/",),
    issuer: str | None = None,
    required_acr: str | None = None,
) -> Provider:
    """The municipality uses this provider; its secret comes from the environment."""
    client_id = f"stafett-{municipality.slug}-{kind}"
    provider = Provider.objects.create(
        municipality=municipality,
        kind=kind,
        issuer=issuer or idp.issuer,
        client_id=client_id,
        required_acr=required_acr
        if required_acr is not None
        else (IDPORTEN_HIGH if kind == Provider.Kind.IDPORTEN else ""),
    )
    monkeypatch.setenv(secret_name(provider), SECRET)
    for uri in redirect_uris:
        idp.add_client(client_id, SECRET, uri)
    return provider
