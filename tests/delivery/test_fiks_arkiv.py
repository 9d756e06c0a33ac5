"""Fiks Arkiv through a local fake of Fiks: the arkivmelding validates against KS's XSD,
Maskinporten's JWT grant is checked, and the archive answers with receipts, an error, or
nothing (→ sent again, then a visible failure)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from stafett.delivery import services
from stafett.delivery.fiks_arkiv import MDK, NS, arkivmelding_xml, validate
from stafett.delivery.models import ArchiveDelivery, DeliveryStep, Transport
from tests.conftest import World
from tests.delivery.fake_fiks import AUDIENCE, CLIENT_ID, FakeFiks
from tests.delivery.helpers import configure, submission

pytestmark = pytest.mark.django_db

Status = ArchiveDelivery.Status
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def sub(tmp_path: Path, world: World) -> Any:
    return submission(tmp_path, world.municipality.id)


def _text(xml: bytes, path: str) -> list[str]:
    return [e.text or "" for e in etree.fromstring(xml).iterfind(path, {"a": NS, "m": MDK})]


def test_the_arkivmelding_validates_against_ks_schema_and_carries_the_metadata(sub: Any) -> None:
    xml = arkivmelding_xml(sub, now=NOW)
    validate(xml)
    assert _text(xml, "a:system") == ["Stafett"]
    assert _text(xml, "a:registrering/a:tittel") == ["Stafettlogg, avslutta"]
    assert _text(xml, ".//a:referanseForelderMappe/m:referanseEksternNoekkel/m:noekkel") == [
        str(sub.log_uuid)
    ]
    assert _text(xml, ".//a:skjerming/a:tilgangsrestriksjon/m:kode") == ["13"]
    assert _text(xml, ".//a:klassifikasjon/a:klasseID") == ["F47"]
    assert _text(xml, ".//a:dokumentobjekt/a:sjekksum") == [sub.pdf_sha256]
    assert _text(xml, ".//a:dokumentobjekt/a:filnavn") == [sub.pdf_path.name]
    # The PDF is the main document (H).
    assert _text(xml, ".//a:tilknyttetRegistreringSom/m:kode") == ["H"]


def test_the_schema_check_refuses_a_message_that_breaks_the_schema(sub: Any) -> None:
    """The check can fail: without the required journalposttype it does."""
    document = etree.fromstring(arkivmelding_xml(sub, now=NOW))
    for element in document.iterfind(".//a:journalposttype", {"a": NS}):
        element.getparent().remove(element)
    with pytest.raises(ValueError, match=r"journalposttype"):
        validate(etree.tostring(document))


def test_a_receipt_from_the_archive_archives_the_hand_over(
    fake_fiks: FakeFiks, sub: Any, world: World
) -> None:
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    assert services.attempt(delivery.id, now=NOW) == Status.SENT
    # What reached the fake: a valid arkivmelding and the PDF beside it.
    assert len(fake_fiks.arkivmeldinger) == 1
    assert sub.pdf_path.name in fake_fiks.attachments[0]
    # Maskinporten: a signed JWT grant with our client id, audience and scope.
    assert fake_fiks.assertions[0]["iss"] == CLIENT_ID
    assert fake_fiks.assertions[0]["aud"] == AUDIENCE
    result = services.run_archive_checks(now=NOW + datetime.timedelta(minutes=1))
    assert result["answers"] == 2
    delivery.refresh_from_db()
    assert delivery.status == Status.ARCHIVED
    assert delivery.reference == "9f0c7c8e-1d6a-4c55-9a3e-4d2c1b0a9e88"
    assert list(delivery.steps.values_list("kind", flat=True)) == [
        DeliveryStep.Kind.SENT,
        DeliveryStep.Kind.RECEIVED,
        DeliveryStep.Kind.ARCHIVED,
    ]


def test_an_error_message_fails_the_hand_over_with_the_archives_words(
    fake_fiks: FakeFiks, sub: Any, world: World
) -> None:
    fake_fiks.archive_answer = "error"
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    services.attempt(delivery.id, now=NOW)
    services.run_archive_checks(now=NOW + datetime.timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.last_error == "ugyldigforespoersel: Klassifikasjon ukjend"
    # Not sent again: an invalid request stays invalid.
    services.run_archive_checks(now=NOW + datetime.timedelta(days=2))
    assert len(fake_fiks.arkivmeldinger) == 1


def test_a_server_error_is_tried_again_later(fake_fiks: FakeFiks, sub: Any, world: World) -> None:
    fake_fiks.archive_answer = "server_error"
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    services.attempt(delivery.id, now=NOW)
    services.run_archive_checks(now=NOW + datetime.timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING
    fake_fiks.archive_answer = "receipt"
    services.run_archive_checks(now=NOW + datetime.timedelta(hours=2))
    services.run_archive_checks(now=NOW + datetime.timedelta(hours=2, minutes=1))
    delivery.refresh_from_db()
    assert delivery.status == Status.ARCHIVED
    assert delivery.attempts == 2


def test_no_answer_sends_again_with_longer_waits_then_fails_visibly(
    fake_fiks: FakeFiks, sub: Any, world: World, login_as: Any
) -> None:
    fake_fiks.archive_answer = "silent"
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    services.attempt(delivery.id, now=NOW)
    now = NOW
    # Waits of 15 min, 1 h, 4 h, 16 h between the five sends; nothing before its time.
    services.run_archive_checks(now=now + datetime.timedelta(minutes=14))
    assert len(fake_fiks.arkivmeldinger) == 1
    for wait in (15, 60, 240, 960, 3840):
        now += datetime.timedelta(minutes=wait)
        services.run_archive_checks(now=now)
    delivery.refresh_from_db()
    assert len(fake_fiks.arkivmeldinger) == services.MAX_ATTEMPTS
    assert delivery.status == Status.FAILED
    assert delivery.last_error == "no answer from the archive"
    kinds = list(delivery.steps.values_list("kind", flat=True))
    assert kinds.count(DeliveryStep.Kind.SENT) == services.MAX_ATTEMPTS
    assert kinds.count(DeliveryStep.Kind.NO_ANSWER) == services.MAX_ATTEMPTS
    assert kinds[-1] == DeliveryStep.Kind.GAVE_UP
    # The administrator sees it (metadata only).
    page = login_as(world.admin).get(reverse("delivery:archive"))
    body = page.content.decode()
    assert "Failed" in body
    assert "no answer from the archive" in body
    assert str(delivery.log_uuid)[:8] in body


def test_fiks_unreachable_is_a_transport_error_tried_again(
    fake_fiks: FakeFiks, sub: Any, world: World, monkeypatch: Any
) -> None:
    monkeypatch.setenv("STAFETT_FIKS_API_URL", "http://127.0.0.1:9")  # nothing listens
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    assert services.attempt(delivery.id, now=NOW) == Status.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == NOW + services.FIRST_WAIT
    assert delivery.steps.get().kind == DeliveryStep.Kind.TRANSPORT_ERROR


def test_a_wrong_maskinporten_key_is_refused_by_fiks(
    fake_fiks: FakeFiks, sub: Any, world: World, monkeypatch: Any
) -> None:
    from tests.delivery.fake_fiks import pem, rsa_key

    monkeypatch.setenv("STAFETT_MASKINPORTEN_KEY", pem(rsa_key()))
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    assert services.attempt(delivery.id, now=NOW) == Status.RETRYING
    delivery.refresh_from_db()
    assert "HTTP 400" in delivery.last_error
    assert fake_fiks.arkivmeldinger == []


def test_the_demo_sends_nothing(fake_fiks: FakeFiks, sub: Any, world: World, settings: Any) -> None:
    settings.STAFETT_DEMO = True
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=timezone.now())
    assert delivery is not None
    services.attempt(delivery.id)
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert "demo" in delivery.last_error
    assert fake_fiks.requests == []


def test_received_without_a_receipt_fails_visibly_after_three_days_without_sending_again(
    fake_fiks: FakeFiks, sub: Any, world: World
) -> None:
    fake_fiks.archive_answer = "received_only"
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    services.attempt(delivery.id, now=NOW)
    services.run_archive_checks(now=NOW + datetime.timedelta(minutes=1))
    services.run_archive_checks(now=NOW + datetime.timedelta(days=2))
    delivery.refresh_from_db()
    assert delivery.status == Status.RECEIVED
    services.run_archive_checks(now=NOW + datetime.timedelta(days=3, minutes=2))
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.last_error == "received, but the archive sent no receipt"
    assert len(fake_fiks.arkivmeldinger) == 1


def test_the_maskinporten_token_is_reused_until_it_expires(
    fake_fiks: FakeFiks, tmp_path: Path, world: World
) -> None:
    configure(world.municipality, Transport.FIKS_ARKIV)
    for number in range(2):
        folder = tmp_path / str(number)
        folder.mkdir()
        delivery = services.deliver_to_archive(submission(folder, world.municipality.id), now=NOW)
        assert delivery is not None
        services.attempt(delivery.id, now=NOW)
    assert len(fake_fiks.arkivmeldinger) == 2
    assert len(fake_fiks.assertions) == 1


def test_a_late_receipt_to_an_earlier_send_still_archives(
    fake_fiks: FakeFiks, sub: Any, world: World
) -> None:
    fake_fiks.archive_answer = "silent"
    configure(world.municipality, Transport.FIKS_ARKIV)
    delivery = services.deliver_to_archive(sub, now=NOW)
    assert delivery is not None
    services.attempt(delivery.id, now=NOW)
    first = ArchiveDelivery.objects.get().message_id
    services.run_archive_checks(now=NOW + datetime.timedelta(minutes=16))  # sent again
    delivery.refresh_from_db()
    assert delivery.message_id != first
    fake_fiks.archive_answer = "receipt"
    fake_fiks._answer_archive("", first)  # the archive answers the first send, late
    services.run_archive_checks(now=NOW + datetime.timedelta(minutes=20))
    delivery.refresh_from_db()
    assert delivery.status == Status.ARCHIVED
