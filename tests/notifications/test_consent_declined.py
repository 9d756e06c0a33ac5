"""The family says No to a request for consent: the log's coordinator is told, in the
centre and by an e-mail that carries no content (no child, no unit, not the reason);
the reason is read on the consent page only. Nobody else is told, and the family is
never offered the kind among their e-mail choices."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.consent.models import Consent
from stafett.consent.services import decline_consent, request_consent
from stafett.logs.models import RelayLog
from stafett.notifications.models import Delivery, EmailSettings, Kind, Notification
from stafett.notifications.services import centre_url
from stafett.organisation.models import Membership
from stafett.policy import may_notify
from tests.conftest import World
from tests.family.conftest import read_as
from tests.logs.conftest import LogWorld
from tests.markup_checks import visible_text
from tests.notifications.conftest import as_actor, assert_no_content, whole

REASON = "SECRET: vi vil snakke med barnehagen først"

SAID = {
    "en": (
        "Stafett: the family said no to consent",
        "The family said no to a request for consent in a relay log you coordinate.",
    ),
    "nn": (
        "Stafett: familien sa nei til samtykke",
        "Familien sa nei til ein førespurnad om samtykke i ein stafettlogg du er "
        "stafetthaldar for.",
    ),
    "nb": (
        "Stafett: familien sa nei til samtykke",
        "Familien sa nei til en forespørsel om samtykke i en stafettlogg du er stafettholder for.",
    ),
}


@pytest.mark.parametrize("language", ["en", "nn", "nb"])
def test_the_coordinator_gets_one_email_without_the_child_or_the_reason(
    asked_log: tuple[RelayLog, Consent],
    world: World,
    language: str,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: Any,
) -> None:
    _log, consent = asked_log
    eva = world.employee
    EmailSettings.objects.create(user=eva, language=language)
    with django_capture_on_commit_callbacks(execute=True):
        decline_consent(actor=as_actor(world.guardian), consent=consent, reason=REASON)
    [message] = mailoutbox
    assert message.to == [eva.email]
    subject, sentence = SAID[language]
    assert message.subject == subject
    assert sentence in message.body
    assert centre_url() in message.body
    text = whole(message)
    for secret in (world.child.first_name, world.child.full_name, REASON, "barnehagen"):
        assert secret not in text
    assert_no_content(mailoutbox)
    [notification] = Notification.objects.filter(kind=Kind.CONSENT_DECLINED)
    assert notification.recipient == eva and notification.consent == consent
    assert Delivery.objects.get(notification=notification).status == Delivery.Status.SENT


def test_nobody_else_is_told_when_the_family_says_no_to_a_renewal(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    """Siri takes part in the log and Gro answered: only Eva, the coordinator, is told."""
    w = active_log.world
    renewal = request_consent(
        actor=as_actor(w.employee),
        log=active_log.log,
        purpose="SECRET renewal",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    with django_capture_on_commit_callbacks(execute=True):
        decline_consent(actor=as_actor(w.guardian), consent=renewal, reason=REASON)
    assert [m.to for m in mailoutbox] == [[w.employee.email]]
    assert list(
        Notification.objects.filter(kind=Kind.CONSENT_DECLINED).values_list("recipient", flat=True)
    ) == [w.employee.id]
    assert not Notification.objects.exclude(recipient=w.employee).exists()
    for person in (w.guardian, w.school_employee, w.leader, w.admin, w.other_staff):
        assert not may_notify(person, Kind.CONSENT_DECLINED, active_log.log)
    assert may_notify(w.employee, Kind.CONSENT_DECLINED, active_log.log)


def test_a_coordinator_who_left_the_unit_is_not_told(
    asked_log: tuple[RelayLog, Consent],
    world: World,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: Any,
) -> None:
    log, consent = asked_log
    Membership.objects.filter(user=world.employee, unit=log.unit).delete()
    with django_capture_on_commit_callbacks(execute=True):
        decline_consent(actor=as_actor(world.guardian), consent=consent, reason=REASON)
    assert mailoutbox == []
    assert not Notification.objects.filter(kind=Kind.CONSENT_DECLINED).exists()


@pytest.mark.parametrize(
    ("language", "said", "link"),
    [
        ("en", "The family said no to a request for consent", "See the answer"),
        ("nn", "Familien sa nei til ein førespurnad om samtykke", "Sjå svaret"),
    ],
)
def test_the_centre_lists_it_and_leads_to_the_consent_page_where_the_reason_is(
    asked_log: tuple[RelayLog, Consent],
    world: World,
    client: Client,
    language: str,
    said: str,
    link: str,
) -> None:
    log, consent = asked_log
    decline_consent(actor=as_actor(world.guardian), consent=consent, reason=REASON)
    read_as(client, world.employee, language)
    page = client.get(reverse("notifications:centre")).content.decode()
    text = visible_text(page)
    assert said in text and link in text
    assert REASON not in page
    consent_url = reverse("logs:consent", kwargs={"log": log.uuid})
    assert f'href="{consent_url}"' in page
    assert REASON in client.get(consent_url).content.decode()


@pytest.mark.parametrize(
    ("language", "label", "family_label"),
    [
        ("en", "The family said no to a request for consent", "A bright spot is added"),
        ("nn", "Familien sa nei til ein førespurnad om samtykke", "Eit lysglimt er lagt til"),
    ],
)
def test_only_staff_choose_how_they_are_told_of_a_no(
    world: World, client: Client, language: str, label: str, family_label: str
) -> None:
    read_as(client, world.guardian, language)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert family_label in page
    assert label not in page and "mode-consent_declined" not in page
    read_as(client, world.employee, language)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert label in page and "mode-consent_declined" in page
