"""The background tasks: the scheduled check follows reports and hand-overs, and the
archive document's task hands a package over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stafett.delivery import tasks
from stafett.delivery.models import ArchiveDelivery, FiksReport, Transport
from tests.conftest import World
from tests.delivery.fake_fiks import FakeFiks
from tests.delivery.helpers import configure, submission
from tests.delivery.test_report_fiks import configure as configure_reports
from tests.delivery.test_report_fiks import make_report, send

pytestmark = pytest.mark.django_db


def test_the_scheduled_check_reads_statuses_and_answers(
    fake_fiks: FakeFiks, world: World, login_as: Any, tmp_path: Path
) -> None:
    concern = make_report(world)
    configure_reports(world)
    send(world, login_as, concern)
    sent = FiksReport.objects.get()
    fake_fiks.add_status(str(sent.fiks_id), "LEVERT", sent.sent_at)
    configure(world.municipality, Transport.FIKS_ARKIV)
    result = tasks.deliver_archive_package.enqueue(
        submission(tmp_path, world.municipality.id).to_json()
    )
    assert result.return_value == ArchiveDelivery.Status.PENDING
    checks = tasks.run_delivery_checks.enqueue().return_value
    assert checks["reports"]["statuses"] == 1
    assert checks["archive"]["attempted"] == 1
    sent.refresh_from_db()
    assert sent.status == FiksReport.Status.DELIVERED
    # The next run reads the archive's receipts.
    tasks.run_delivery_checks.enqueue()
    assert ArchiveDelivery.objects.get().status == ArchiveDelivery.Status.ARCHIVED


def test_a_package_for_a_municipality_without_a_transport_is_not_handed_over(
    world: World, tmp_path: Path
) -> None:
    result = tasks.deliver_archive_package.enqueue(
        submission(tmp_path, world.municipality.id).to_json()
    )
    assert result.return_value == "not handed over"
    assert not ArchiveDelivery.objects.exists()
