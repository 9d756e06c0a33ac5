"""The walker over the concern URLs alone (the whole table is walked by
tests/policy/test_every_url.py; this one runs in seconds while working on concerns)."""

from __future__ import annotations

import pytest

from tests.concerns.walk import CONCERN_EXPECTED
from tests.conftest import World
from tests.policy.test_every_url import EXPECTED, ROLES, _clients, _fill
from tests.policy.walker import walk_all


@pytest.mark.django_db
def test_every_concern_url_answers_every_role_as_the_table_says(world: World) -> None:
    _missing, mismatches = walk_all(
        table=EXPECTED,
        roles=ROLES,
        client_for=_clients(world),
        kwargs_for=lambda route: _fill(route, world),
        only=set(CONCERN_EXPECTED),
    )
    assert not mismatches, "\n".join(str(m) for m in mismatches)
