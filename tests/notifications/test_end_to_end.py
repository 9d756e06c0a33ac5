"""Through the real pages with real commits (no captured on_commit): the guardian
withdraws consent on the consent page, and each professional on the log gets the
"your access has ended" e-mail from the task queue (the ImmediateBackend in tests)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from tests.logs.conftest import LogWorld
from tests.notifications.conftest import assert_no_content


@pytest.mark.django_db(transaction=True)
def test_withdrawing_consent_on_the_page_emails_each_participant_that_access_has_ended(
    active_log: LogWorld, login_as: Any
) -> None:
    world = active_log.world
    mail.outbox.clear()
    client = login_as(world.guardian)
    response = client.post(f"/logs/{active_log.log.uuid}/consent/withdraw/")
    assert response.status_code == 302
    ended = [m for m in mail.outbox if m.subject == "Stafett: your access has ended"]
    assert sorted(m.to[0] for m in ended) == sorted(
        [world.employee.email, world.school_employee.email]
    )
    assert all("Your access to a relay log has ended" in m.body for m in ended)
    assert_no_content(ended)
