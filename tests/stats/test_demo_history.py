"""The demo's year of history (demo/history.py) gives the statistics page real figures
beside "under 5" and hidden ones, and touches no persona."""

from __future__ import annotations

from typing import Any

import pytest

from stafett.demo.history import HISTORY, HISTORY_UNITS
from stafett.demo.personas import PERSONAS
from stafett.demo.services import load_demo
from stafett.organisation.models import Membership, Municipality
from stafett.statistics.forms import default_period, month_end, month_start
from stafett.statistics.selectors import Filters, compute
from stafett.statistics.suppression import Shown


@pytest.fixture
def demo(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo()


def test_the_demo_municipality_has_real_figures_and_small_ones(demo: None) -> None:
    from django.utils import timezone

    start, end = default_period(timezone.localdate())
    filters = Filters(start=month_start(start), end=month_end(month_start(end)))  # type: ignore[arg-type]
    fjordvik = Municipality.objects.get(name="Fjordvik kommune")
    stats = compute(fjordvik, units=None, filters=filters)
    cells = [c for row in stats.units for c in row.cells.values()] + list(stats.totals.values())
    shown = {c.shown for c in cells}
    assert shown == {Shown.EXACT, Shown.UNDER, Shown.HIDDEN}
    assert stats.totals["new_concerns"].is_exact
    assert (stats.totals["new_concerns"].value or 0) >= len(HISTORY)
    assert stats.days_to_first_measure.days is not None
    assert stats.evaluated_on_time.percent is not None
    assert any(level.is_exact for m in stats.levels_over_time for level in m.levels.values())


def test_no_persona_works_in_the_history_units(demo: None) -> None:
    personas = {p.username for p in PERSONAS}
    members = set(
        Membership.objects.filter(unit__name__in=HISTORY_UNITS).values_list(
            "user__username", flat=True
        )
    )
    assert members and not members & personas
    for username in members:
        from stafett.accounts.models import User

        assert not User.objects.get(username=username).has_usable_password()
