"""A leader removes a coordinator from the unit in the browser (issue 10, item 3): the
removal page lists her batons in nynorsk, passes axe-core, and the leader holds them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from stafett.accounts.models import User
from stafett.demo.personas import PERSONAS
from stafett.demo.services import demo_uuid
from stafett.logs.models import RelayLog
from stafett.organisation.models import Membership, Unit
from tests.e2e.helpers import assert_accessible, log_in, open_page, translated

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}


def test_the_leader_removes_a_coordinator_and_holds_her_batons(
    demo_server: str, browser: Browser
) -> None:
    school = Unit.objects.get(name="Fjordvik skule")
    teacher = User.objects.get(username="larar.skule")
    noah = RelayLog.objects.get(uuid=demo_uuid("log", "hansen.noah"))
    with open_page(browser) as page:
        log_in(page, demo_server, PERSONA["leiar.skule"])
        page.goto(f"{demo_server}/units/{school.uuid}/staff/{teacher.uuid}/remove/")
        expect(page.locator("html")).to_have_attribute("lang", "nn")
        main = page.locator("main")
        expect(main.get_by_role("cell", name="Noah Hansen", exact=True)).to_be_visible()
        expect(
            main.get_by_role(
                "link",
                name=translated("nn", "Propose a new coordinator for %(name)s")
                % {"name": "Noah Hansen"},
            )
        ).to_be_visible()
        assert "åleine" not in main.inner_text()
        assert_accessible(page)

        button = translated(
            "nn", "Hold them myself until a new coordinator accepts, and remove %(name)s"
        ) % {"name": "Sigrid Vik"}
        main.get_by_role("button", name=button).click()
        expect(page).to_have_url(f"{demo_server}/units/{school.uuid}/staff/")
        expect(
            page.get_by_text("Sigrid Vik arbeider ikkje lenger i Fjordvik skule.")
        ).to_be_visible()
        assert not Membership.objects.current().filter(user=teacher, unit=school).exists()

        page.goto(f"{demo_server}/logs/{noah.uuid}/")
        expect(page.locator("main")).to_contain_text("åleine i friminutta")
        expect(page.locator("main")).to_contain_text(
            "Sigrid Vik arbeider ikkje lenger i Fjordvik skule. Olav Nygard, leiaren for "
            "eininga, held stafettpinnen til ein ny stafetthaldar har teke imot han."
        )
