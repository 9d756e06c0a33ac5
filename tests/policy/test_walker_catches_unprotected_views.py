"""The every-URL test must fail when a view skips the policy. Shown here with a
deliberately unprotected view in a test-only URLconf."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import LazySettings

from tests.conftest import World
from tests.policy.test_every_url import (
    ADMIN_OWN_PAGE,
    EXPECTED,
    ROLES,
    _clients,
    _fill,
    _identities,
)
from tests.policy.walker import walk_all

URLCONF = "tests.policy.urls_unprotected"
TABLE = {
    **EXPECTED,
    "unprotected": {"GET": ADMIN_OWN_PAGE},
    "protected": {"GET": ADMIN_OWN_PAGE},
    "untraced": {"GET": ADMIN_OWN_PAGE},
    "traced": {"GET": ADMIN_OWN_PAGE},
}
ONLY = {"unprotected", "protected"}


def _walk(world: World) -> Any:
    return walk_all(
        table=TABLE,
        roles=ROLES,
        client_for=_clients(world),
        kwargs_for=lambda route: _fill(route, world),
        urlconf=URLCONF,
        only=ONLY,
    )


@pytest.fixture
def test_urls(settings: LazySettings) -> None:
    settings.ROOT_URLCONF = URLCONF


def test_the_walker_flags_a_view_that_skips_the_policy(world: World, test_urls: None) -> None:
    missing, mismatches = _walk(world)
    assert missing == []
    flagged = {(m.route, m.role) for m in mismatches}
    # The enforcement middleware refuses the unprotected view for everyone (403), so the
    # administrators' expected 200 and the anonymous visitor's expected 302 fail.
    assert ("unprotected", "admin") in flagged
    assert ("unprotected", "other_staff") in flagged
    assert ("unprotected", "anonymous") in flagged
    # Its twin that asks the policy matches the table exactly.
    assert not [m for m in mismatches if m.route == "protected"]


def test_without_the_enforcement_middleware_the_walker_still_flags_it(
    world: World, test_urls: None, settings: LazySettings
) -> None:
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("PolicyEnforcementMiddleware")
    ]
    _missing, mismatches = _walk(world)
    flagged = {(m.route, m.role, m.got) for m in mismatches}
    # Now the page leaks: citizens get 200 where the table says 404, employees 200 for 403.
    assert ("unprotected", "guardian", 200) in flagged
    assert ("unprotected", "employee", 200) in flagged
    assert not [m for m in mismatches if m.route == "protected"]


def test_the_walker_flags_a_page_that_shows_a_child_without_an_access_log_row(
    world: World, test_urls: None
) -> None:
    """Issue 10 item 7: any page that renders a child's name must have written a row
    naming the child in that request."""
    _missing, mismatches = walk_all(
        table=TABLE,
        roles=ROLES,
        client_for=_clients(world),
        kwargs_for=lambda route: _fill(route, world),
        urlconf=URLCONF,
        only={"untraced", "traced"},
        identities=_identities(world),
    )
    flagged = {(m.route, m.role) for m in mismatches}
    # Both administrators see a child of their own municipality's; only Mia and Kari are
    # walked identities, and the untraced page leaves no row for either.
    assert ("untraced", "admin") in flagged
    assert ("untraced", "other_staff") in flagged
    assert "Mor" in str(next(m for m in mismatches if m.role == "admin").got)
    assert not [m for m in mismatches if m.route == "traced"]


def test_a_url_missing_from_the_table_is_reported(world: World, test_urls: None) -> None:
    missing, _ = walk_all(
        table={**EXPECTED, **{name: TABLE[name] for name in ("protected", "untraced", "traced")}},
        roles=ROLES,
        client_for=_clients(world),
        kwargs_for=lambda route: _fill(route, world),
        urlconf=URLCONF,
        only=ONLY,
    )
    assert missing == ["unprotected"]
