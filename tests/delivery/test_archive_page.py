"""The administrator's page: the archive hand-over and Fiks settings, and the latest
hand-overs (metadata only)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from stafett.delivery import services
from stafett.delivery.models import ArchiveDelivery, DeliveryStep, FiksSettings, Transport
from tests.conftest import World
from tests.delivery.helpers import configure, submission

pytestmark = pytest.mark.django_db
URL = "/delivery/archive/"


def test_the_address_is_the_archive_page() -> None:
    assert reverse("delivery:archive") == URL


def test_the_administrator_chooses_fiks_arkiv_and_reports_through_fiks(
    world: World, login_as: Any
) -> None:
    client = login_as(world.admin)
    account = uuid.uuid4()
    answer = client.post(
        URL,
        {
            "archive_transport": Transport.FIKS_ARKIV,
            "archive_account": str(account),
            "municipality_number": "4601",
            "reports_through_fiks": "on",
        },
    )
    assert answer.status_code == 302
    chosen = FiksSettings.objects.get(municipality=world.municipality)
    assert (chosen.archive_transport, chosen.archive_account) == (Transport.FIKS_ARKIV, account)
    assert chosen.reports_through_fiks and chosen.municipality_number == "4601"
    page = client.get(URL).content.decode()
    assert str(account) in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"archive_transport": Transport.FOLDER}, "Write the folder the archive reads."),
        (
            {"archive_transport": Transport.FOLDER, "drop_folder": "../etc"},
            "Use letters, digits, - and _ only (one folder, no slashes).",
        ),
        ({"archive_transport": Transport.FIKS_ARKIV}, "Write the archive&#x27;s Fiks account id."),
        (
            {"archive_transport": Transport.NONE, "reports_through_fiks": "on"},
            "Fiks needs the municipality number to find the offices.",
        ),
        (
            {"archive_transport": Transport.NONE, "municipality_number": "46O1"},
            "Write the four digits of the number.",
        ),
    ],
)
def test_bad_settings_get_a_clear_message_and_change_nothing(
    world: World, login_as: Any, data: dict[str, str], message: str
) -> None:
    answer = login_as(world.admin).post(URL, data)
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not FiksSettings.objects.exists()


def test_the_page_lists_hand_overs_without_child_content_in_constant_queries(
    world: World, login_as: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    configure(world.municipality, Transport.FIKS_ARKIV)
    for number in range(3):
        folder = tmp_path / str(number)
        folder.mkdir()
        delivery = services.deliver_to_archive(submission(folder, world.municipality.id))
        assert delivery is not None
        DeliveryStep.objects.create(delivery=delivery, kind=DeliveryStep.Kind.SENT, detail="m1")
    ArchiveDelivery.objects.update(status=ArchiveDelivery.Status.SENT)
    client = login_as(world.admin)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(12):
        body = client.get(URL).content.decode()
    assert body.count("Sent, waiting for the archive") == 3
    # Metadata only: never the title, the child or the log's content.
    assert "Stafettlogg, avslutta" not in body
    assert world.child.first_name not in body


def test_a_unit_leader_may_not_open_it(world: World, login_as: Any) -> None:
    assert login_as(world.leader).get(URL).status_code == 403
    assert login_as(world.guardian).get(URL).status_code == 404


def test_another_municipalitys_hand_overs_are_not_shown(
    world: World, login_as: Any, tmp_path: Path
) -> None:
    configure(world.other_municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(submission(tmp_path, world.other_municipality.id))
    assert delivery is not None
    body = login_as(world.admin).get(URL).content.decode()
    assert str(delivery.log_uuid)[:8] not in body
    assert "No relay log has been handed over yet." in body
