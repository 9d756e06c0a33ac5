from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.delivery.fake_fiks import (
    AUDIENCE,
    CLIENT_ID,
    INTEGRATION_ID,
    INTEGRATION_PASSWORD,
    IO_ACCOUNT,
    ORG_ID,
    FakeFiks,
    Keys,
    certificate,
    pem,
    rsa_key,
    serve,
)


@pytest.fixture(scope="session")
def fiks_keys() -> Keys:
    office = rsa_key()
    return Keys(
        maskinporten=rsa_key(), office=office, office_cert=certificate(office, "bvtjeneste")
    )


@pytest.fixture
def fake_fiks(fiks_keys: Keys, monkeypatch: Any, settings: Any) -> Iterator[FakeFiks]:
    """The fake Fiks platform on 127.0.0.1, and the environment pointing Stafett at it
    (as an operator would point it at Fiks)."""
    fake = FakeFiks(keys=fiks_keys)
    server = serve(fake)
    settings.STAFETT_DEMO = False
    for name, value in {
        "STAFETT_FIKS_API_URL": fake.url,
        "STAFETT_FIKS_INTEGRATION_ID": INTEGRATION_ID,
        "STAFETT_FIKS_INTEGRATION_PASSWORD": INTEGRATION_PASSWORD,
        "STAFETT_FIKS_ORG_ID": ORG_ID,
        "STAFETT_FIKS_IO_ACCOUNT": IO_ACCOUNT,
        "STAFETT_MASKINPORTEN_TOKEN_URL": fake.url + "/maskinporten/token",
        "STAFETT_MASKINPORTEN_AUDIENCE": AUDIENCE,
        "STAFETT_MASKINPORTEN_CLIENT_ID": CLIENT_ID,
        "STAFETT_MASKINPORTEN_KEY": pem(fiks_keys.maskinporten),
    }.items():
        monkeypatch.setenv(name, value)
    yield fake
    server.shutdown()
    server.server_close()
