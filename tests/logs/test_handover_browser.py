"""The handover pages of issue 11 (items 15 and 16) in a real headless Chromium on a
phone-size screen: the proposal with staying on and the measures to hand on, and the
page where the baton is offered, with the family's confirmation still to come. axe-core
finds no WCAG 2.1 AA violations."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from stafett.logs.models import EntryKind, Handover, MeasureStatus
from stafett.logs.services import add_entry
from tests import factories as f
from tests.e2e.helpers import assert_accessible
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.test_lifecycle_browser import _page_as, browser  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def eva_holds_a_measure(transactional_db: Any, active_log: LogWorld) -> LogWorld:
    today = timezone.localdate()
    add_entry(
        actor=as_actor(active_log.world.employee),
        log=active_log.log,
        kind=EntryKind.MEASURE,
        title="Lesetrening kvar morgon",
        responsible=active_log.world.employee,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=30),
        measure_status=MeasureStatus.RUNNING,
    )
    return active_log


def test_proposing_with_staying_on_and_accepting_later_pass_axe(
    live_server: Any,
    browser: Browser,  # noqa: F811
    eva_holds_a_measure: LogWorld,
) -> None:
    server = str(live_server.url)
    w, log = eva_holds_a_measure.world, eva_holds_a_measure.log
    school2 = f.make_unit(w.municipality, "Nordvik skule")
    teacher = f.make_user(w.municipality, username="t2", first_name="Tor", last_name="Lærar")
    f.add_membership(teacher, school2)
    page = _page_as(browser, server, w.employee)
    page.goto(f"{server}/logs/{log.uuid}/handover/?unit={school2.uuid}")
    assert page.get_by_label("I stay on in the log as a participant").is_visible()
    assert page.get_by_label("Lesetrening kvar morgon").is_visible()
    assert_accessible(page)
    page.get_by_label("New coordinator", exact=True).select_option(label="Tor Lærar")
    page.get_by_label("Message to the new coordinator").fill("Kan du ta over?")
    page.get_by_label("I stay on in the log as a participant").check()
    page.get_by_role("button", name="Propose the handover").click()
    assert page.get_by_text("Who holds the measures after the handover").is_visible()
    assert_accessible(page)
    handover = Handover.objects.get()
    page = _page_as(browser, server, teacher)
    page.goto(f"{server}/logs/{log.uuid}/handover/{handover.uuid}/")
    assert page.get_by_role("heading", name="Must the family confirm you first?").is_visible()
    assert page.get_by_role("button", name="Accept the baton").count() == 0
    assert_accessible(page)
