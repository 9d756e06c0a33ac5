"""The report to child welfare through Fiks bekymringsmelding (issue 12, item 7), against
a local fake of Fiks that decrypts what it gets and checks it against KS's schema."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from stafett.audit.models import AccessLogEntry
from stafett.concerns.models import (
    ChildWelfareReport,
    Concern,
    ConcernRecord,
    ReportVersion,
    SentHow,
)
from stafett.delivery import reports
from stafett.delivery.models import FiksReport, FiksSettings
from stafett.notifications import services as notifications
from stafett.notifications.models import Kind, Notification
from tests.conftest import World
from tests.delivery.fake_fiks import FakeFiks

pytestmark = pytest.mark.django_db

OBSERVED = "Blåmerke på begge overarmane, 20.11."


def make_report(world: World, **changes: Any) -> Concern:
    concern = Concern.objects.create(
        municipality=world.municipality,
        unit=world.kindergarten,
        author=world.employee,
        label="fiks",
        subject=world.child,
        noticed="Blåmerke.",
        noticed_on=timezone.localdate(),
        decide_by=timezone.localdate() + datetime.timedelta(days=14),
        violence_path_at=timezone.now(),
        violence_path_by=world.employee,
    )
    report = ChildWelfareReport.objects.create(
        municipality=world.municipality, concern=concern, author=world.employee
    )
    values: dict[str, Any] = {
        "report": report,
        "number": 1,
        "saved_by": world.employee,
        "saved_by_name": "Eva Tilsett",
        "addressee": "Barneverntenesta i Testvik",
        "reporter_name": "Eva Tilsett",
        "reporter_role": "Pedagogisk leiar",
        "reporter_unit": "Solsida barnehage",
        "reporter_phone": "900 00 000",
        "child_name": "Mia Mor",
        "child_birth_date": datetime.date(2021, 3, 4),
        "child_address": "Fjordvegen 1, 6100 Testvik",
        "guardians": "Gro Mor\nPer Far",
        "observed": OBSERVED,
        "done": "Snakka med leiaren.",
        "guardians_informed": False,
        "not_informed_why": "Vald er mistenkt.",
        "urgency": "urgent",
    }
    values.update(changes)
    ReportVersion.objects.create(**values)
    world.employee.email = "eva.tilsett@testvik.kommune.no"
    world.employee.save(update_fields=["email"])
    return concern


def configure(world: World, **fields: Any) -> None:
    FiksSettings.objects.update_or_create(
        municipality=world.municipality,
        defaults={"reports_through_fiks": True, "municipality_number": "4601", **fields},
    )


def url(concern: Concern) -> str:
    return reverse("delivery:report_fiks", kwargs={"concern": concern.uuid})


def send(world: World, login_as: Any, concern: Concern) -> Any:
    return login_as(world.employee).post(url(concern), {"office": "01"})


def test_the_author_sends_a_finished_report_through_fiks(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world)
    configure(world)
    client = login_as(world.employee)
    report_page = client.get(reverse("concerns:report", kwargs={"concern": concern.uuid}))
    assert url(concern) in report_page.content.decode()  # "Send through Fiks" is offered
    page = client.get(url(concern))
    assert "Barneverntenesta i Testvik" in page.content.decode()  # offices from Fiks
    reads = AccessLogEntry.objects.filter(object_uuid=concern.report.uuid).count()
    answer = client.post(url(concern), {"office": "01"})
    assert fake_fiks.refused == []
    assert answer.status_code == 302
    # What Fiks got: JSON valid against KS's schema (the fake checks), and the PDF.
    assert fake_fiks.refused == []
    document = fake_fiks.reports[0]
    assert document["kommunenummer"] == "4601"
    assert document["bydelsnummer"] == "01"
    assert document["offentligBarn"][0]["personnavn"] == "Mia Mor"
    assert document["offentligBarn"][0]["orientert"] is False
    assert [g["personnavn"] for g in document["foresatte"]] == ["Gro Mor", "Per Far"]
    assert OBSERVED in document["melding"]["melding"]
    assert "04.03.2021" in document["melding"]["melding"]
    assert fake_fiks.report_pdfs[0].startswith(b"%PDF")
    # The report is frozen as sent through Fiks, the concern is reported.
    report = ChildWelfareReport.objects.get(concern=concern)
    assert report.sent_how == SentHow.FIKS
    assert report.sent_to == "Barneverntenesta i Testvik"
    assert Concern.objects.get(id=concern.id).status == Concern.Status.CHILD_WELFARE
    sent = FiksReport.objects.get(report=report)
    assert sent.feedback_due == timezone.localdate() + datetime.timedelta(weeks=3)
    record = ConcernRecord.objects.filter(concern=concern).last()
    assert record is not None
    with translation.override("en"):
        assert record.text == (
            "Sent the report to child welfare through Fiks, to Barneverntenesta i Testvik."
        )
    with translation.override("nn"):
        assert (
            record.text == "Sende bekymringsmeldinga gjennom Fiks, til Barneverntenesta i Testvik."
        )
    # The report page shows the passage through Fiks.
    shown = client.get(reverse("concerns:report", kwargs={"concern": concern.uuid}))
    due = sent.feedback_due.strftime("%d.%m.%Y")
    assert (
        f"Status on Fiks: Sent through Fiks. Child welfare's feedback is due by {due}."
        in shown.content.decode()
    )
    # Reading the report to send it is in the access log.
    assert AccessLogEntry.objects.filter(object_uuid=report.uuid).count() > reads


@pytest.mark.parametrize(
    ("language", "accepted", "delivered"),
    [
        ("nn", "Teke imot av Fiks", "Levert til barnevernet"),
        ("nb", "Tatt imot av Fiks", "Levert til barnevernet"),
        ("en", "Accepted by Fiks", "Delivered to child welfare"),
    ],
)
def test_each_status_from_fiks_is_a_line_in_the_history_in_the_readers_language(
    fake_fiks: FakeFiks, world: World, login_as: Any, language: str, accepted: str, delivered: str
) -> None:
    concern = make_report(world)
    configure(world)
    send(world, login_as, concern)
    sent = FiksReport.objects.get()
    at = sent.sent_at + datetime.timedelta(hours=1)
    later = at + datetime.timedelta(days=1)
    fake_fiks.add_status(str(sent.fiks_id), "MOTTATT", at)
    fake_fiks.add_status(str(sent.fiks_id), "LEVERT", later)
    assert reports.run_report_checks(now=later)["statuses"] == 2
    # Asked again: nothing new.
    assert reports.poll_fiks_reports(now=later) == 0
    sent.refresh_from_db()
    assert sent.status == FiksReport.Status.DELIVERED
    lines = ConcernRecord.objects.filter(concern=concern).order_by("created_at", "id")
    with translation.override(language):
        texts = [r.text for r in lines]
    day = timezone.localtime(at).strftime("%d.%m.%Y")
    next_day = timezone.localtime(later).strftime("%d.%m.%Y")
    assert texts[-2:] == [f"Fiks, {day}: {accepted}.", f"Fiks, {next_day}: {delivered}."]


def test_a_report_not_fetched_is_sent_on_paper_and_polling_stops(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world)
    configure(world)
    send(world, login_as, concern)
    sent = FiksReport.objects.get()
    at = timezone.now()
    fake_fiks.add_status(str(sent.fiks_id), "SENDT_TIL_PRINT", at)
    reports.poll_fiks_reports(now=at)
    sent.refresh_from_db()
    assert sent.status == FiksReport.Status.PAPER
    asked = len(fake_fiks.requests)
    reports.poll_fiks_reports(now=at)
    assert len(fake_fiks.requests) == asked  # at its end: not asked again
    with translation.override("en"):
        assert (
            ConcernRecord.objects.filter(concern=concern)
            .last()
            .text.endswith(  # type: ignore[union-attr]
                "Sent on paper (not fetched within two working days)."
            )
        )


def test_the_author_is_reminded_when_feedback_is_due_after_three_weeks(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world)
    configure(world)
    send(world, login_as, concern)
    sent_at = FiksReport.objects.get().sent_at
    mail.outbox.clear()
    assert reports.remind_feedback_due(now=sent_at + datetime.timedelta(days=20)) == 0
    assert not Notification.objects.filter(kind=Kind.REPORT_FEEDBACK_DUE).exists()
    due = sent_at + datetime.timedelta(days=21)
    assert reports.remind_feedback_due(now=due) == 1
    notifications.send_due(due)
    notification = Notification.objects.get(kind=Kind.REPORT_FEEDBACK_DUE)
    assert notification.recipient == world.employee
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["eva.tilsett@testvik.kommune.no"]
    assert message.subject == "Stafett: feedback on your report is due"
    assert "Three weeks have passed" in message.body
    # Nothing about the child in the e-mail.
    for word in ("Mia", "Mor", "Blåmerke", "Fjordvegen", "Testvik"):
        assert word not in message.body + message.subject
    # Once.
    assert reports.remind_feedback_due(now=due + datetime.timedelta(days=1)) == 0


def test_an_unfinished_report_is_refused_with_what_it_lacks(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world, child_address="", reporter_phone="")
    configure(world)
    client = login_as(world.employee)
    body = client.get(url(concern)).content.decode()
    assert "the report needs: the child&#x27;s address, your phone" in body
    answer = client.post(url(concern), {"office": "01"}, follow=True)
    assert "the child&#x27;s address" in answer.content.decode()
    assert fake_fiks.reports == []
    assert ChildWelfareReport.objects.get(concern=concern).sent_at is None


def test_without_the_municipalitys_set_up_nothing_is_offered_or_sent(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world)
    client = login_as(world.employee)
    report_page = client.get(reverse("concerns:report", kwargs={"concern": concern.uuid}))
    assert url(concern) not in report_page.content.decode()
    body = client.post(url(concern), {"office": "01"}, follow=True).content.decode()
    assert "Your municipality has not set up sending reports through Fiks." in body
    assert fake_fiks.requests == []


def test_the_demo_refuses_the_real_client(
    fake_fiks: FakeFiks, world: World, login_as: Any, settings: Any
) -> None:
    settings.STAFETT_DEMO = True
    concern = make_report(world)
    configure(world)
    body = send(world, login_as, concern).content.decode()
    assert "Sending through Fiks is not available here." in body
    assert fake_fiks.requests == []
    assert ChildWelfareReport.objects.get(concern=concern).sent_at is None


def test_a_failure_at_fiks_leaves_the_report_unchanged_with_a_clear_message(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world)
    configure(world)
    fake_fiks.refuse_reports = True
    records = ConcernRecord.objects.filter(concern=concern).count()
    answer = login_as(world.employee).post(url(concern), {"office": "01"}, follow=True)
    assert "Fiks did not take the report. Nothing was sent and the report is unchanged." in (
        answer.content.decode()
    )
    report = ChildWelfareReport.objects.get(concern=concern)
    assert (report.sent_at, report.sent_how, report.sent_to) == (None, "", "")
    assert Concern.objects.get(id=concern.id).status == Concern.Status.OPEN
    assert ConcernRecord.objects.filter(concern=concern).count() == records
    assert not FiksReport.objects.exists()


def test_an_office_fiks_does_not_list_is_refused(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world)
    configure(world)
    answer = login_as(world.employee).post(url(concern), {"office": "07"})
    assert "Select a valid choice" in answer.content.decode()
    assert fake_fiks.reports == []


def test_only_the_author_may_send_it(fake_fiks: FakeFiks, world: World, login_as: Any) -> None:
    concern = make_report(world)
    configure(world)
    assert login_as(world.leader).post(url(concern), {"office": "01"}).status_code == 403
    assert login_as(world.guardian).get(url(concern)).status_code == 404
    assert fake_fiks.reports == []


def test_fiks_ids_are_read_as_uuids(fake_fiks: FakeFiks, world: World, login_as: Any) -> None:
    concern = make_report(world)
    configure(world)
    send(world, login_as, concern)
    assert isinstance(FiksReport.objects.get().fiks_id, uuid.UUID)


def test_a_sent_report_cannot_be_sent_again(
    fake_fiks: FakeFiks, world: World, login_as: Any
) -> None:
    concern = make_report(world)
    configure(world)
    assert send(world, login_as, concern).status_code == 302
    assert send(world, login_as, concern).status_code == 403
    assert len(fake_fiks.reports) == 1
    assert FiksReport.objects.count() == 1
