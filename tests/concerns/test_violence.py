"""The violence/abuse path and the report to child welfare (issue 5, items 2 and 3).

Eva (kindergarten) suspects violence or sexual abuse. The path records who took it and
when, tells Lars (the unit's leader) inside Stafett, and leads to the report: drafts
saved as versions, a PDF, marked as sent and frozen. Gro (the mother) and the youth
never learn anything of it, by any page, list, e-mail or log.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from stafett.audit.models import AccessLogEntry
from stafett.concerns import services
from stafett.concerns.models import (
    ChildWelfareReport,
    Concern,
    ConcernRecord,
    ConcernShare,
    Outcome,
    RecordKind,
    ReportVersion,
)
from stafett.concerns.pdf import report_html
from stafett.concerns.selectors import report_page
from stafett.consent.models import Consent
from stafett.core.errors import ServiceError
from stafett.logs.models import RelayLog
from stafett.organisation.models import EmergencyContact, Membership
from tests import factories as f
from tests.concerns.conftest import as_actor
from tests.conftest import World

pytestmark = pytest.mark.django_db

OBSERVED = "20.11.: blåmerke på begge overarmane. Barnet sa: «Pappa tok hardt.»"
WHY = "Vald er mistenkt; å fortelje det til foreldra kan skade barnet."


def url(name: str, concern: Concern) -> str:
    return reverse(f"concerns:{name}", kwargs={"concern": concern.uuid})


def content(**changes: Any) -> services.ReportContent:
    data: dict[str, Any] = {
        "addressee": "Barneverntenesta i Testvik",
        "reporter_name": "Eva Tilsett",
        "reporter_role": "Pedagogisk leiar",
        "reporter_unit": "Solsida barnehage",
        "reporter_phone": "900 00 000",
        "child_name": "Mia Mor",
        "child_birth_date": datetime.date(2021, 3, 4),
        "child_address": "",
        "guardians": "Gro Mor",
        "observed": OBSERVED,
        "done": "Snakka med leiar.",
        "guardians_informed": False,
        "not_informed_why": WHY,
        "urgency": "urgent",
    }
    data.update(changes)
    return services.ReportContent(**data)


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "addressee": "Barneverntenesta i Testvik",
        "reporter_name": "Eva Tilsett",
        "reporter_role": "Pedagogisk leiar",
        "reporter_unit": "Solsida barnehage",
        "reporter_phone": "900 00 000",
        "child_name": "Mia Mor",
        "child_birth_date": "2021-03-04",
        "child_address": "",
        "guardians": "Gro Mor",
        "observed": OBSERVED,
        "done": "Snakka med leiar.",
        "guardians_informed": "no",
        "not_informed_why": WHY,
        "urgency": "urgent",
    }
    data.update(changes)
    return data


def take_path(world: World, concern: Concern) -> Concern:
    return services.take_violence_path(actor=as_actor(world.employee), concern=concern)


@pytest.fixture
def contacts(world: World) -> list[EmergencyContact]:
    return [
        EmergencyContact.objects.create(
            municipality=world.municipality,
            name=name,
            phone=phone,
            descriptions={"nn": text},
            position=pos,
        )
        for pos, (name, phone, text) in enumerate(
            [
                ("Barnevernet", "55 00 00 00", "Dagtid"),
                ("Barnevernvakta", "55 11 11 11", "Kveld og helg"),
                ("Politiet", "02800", ""),
                ("Naudnummer politi", "112", "Når barnet er i fare no"),
                ("Legevakt", "116 117", ""),
            ]
        )
    ]


@pytest.fixture
def named(world: World, concern: Concern) -> Concern:
    services.name_subject(actor=as_actor(world.employee), concern=concern, subject=world.child)
    concern.refresh_from_db()
    return concern


@pytest.fixture
def on_path(world: World, named: Concern) -> Concern:
    return take_path(world, named)


# --- taking the path -----------------------------------------------------------------------


def test_taking_the_path_records_who_and_when_and_tells_the_leader(
    world: World, named: Concern, login_as: Any
) -> None:
    before = timezone.now()
    concern = take_path(world, named)
    concern.refresh_from_db()
    assert concern.is_violence_path and concern.violence_path_by == world.employee
    assert concern.violence_path_at is not None and concern.violence_path_at >= before
    assert concern.is_open  # the report comes next
    kinds = list(concern.records.values_list("kind", flat=True))
    assert RecordKind.VIOLENCE_PATH in kinds
    # Lars leads the unit: the concern is shared with him and waits on his home page.
    share = ConcernShare.objects.get(concern=concern)
    assert share.user == world.leader and share.role == ConcernShare.Role.LEADER
    home = login_as(world.leader).get(reverse("home:home")).content.decode()
    assert "1 concern shared with you, not read yet" in home
    assert url("detail", concern) in home
    assert "Violence or abuse suspected" in home
    # Nobody else was shared with, and nothing was sent.
    assert ConcernShare.objects.count() == 1
    assert mail.outbox == []


def test_the_path_is_taken_once_by_the_author_of_an_open_concern(
    world: World, named: Concern
) -> None:
    services.share_concern(
        actor=as_actor(world.employee), concern=named, user=world.leader, role="leader"
    )
    with pytest.raises(PermissionDenied):
        services.take_violence_path(actor=as_actor(world.leader), concern=named)
    take_path(world, named)
    with pytest.raises(ServiceError, match="already taken"):
        take_path(world, named)
    assert ConcernRecord.objects.filter(kind=RecordKind.VIOLENCE_PATH).count() == 1


def test_a_closed_concern_cannot_take_the_path(
    world: World, concern: Concern, login_as: Any
) -> None:
    services.decide_concern(
        actor=as_actor(world.employee), concern=concern, outcome=Outcome.CLOSE, reason="Ok."
    )
    with pytest.raises(PermissionDenied):
        take_path(world, concern)
    client = login_as(world.employee)
    page = client.get(url("violence_path", concern)).content.decode()
    assert "This concern is no longer open." in page
    assert client.post(url("violence_path", concern)).status_code == 403


def test_the_path_page_shows_the_contacts_and_the_rule(
    world: World, concern: Concern, contacts: list[EmergencyContact], login_as: Any
) -> None:
    client = login_as(world.employee)
    detail = client.get(url("detail", concern)).content.decode()
    assert "I suspect violence or sexual abuse" in detail
    assert url("violence_path", concern) in detail
    html = client.get(url("violence_path", concern)).content.decode()
    assert "Guardians are not informed first" in html
    for contact in contacts:
        assert contact.name in html and contact.phone in html
    assert "Take the violence/abuse path" in html
    response = client.post(url("violence_path", concern))
    assert response.status_code == 302 and response["Location"] == url("report_edit", concern)
    concern.refresh_from_db()
    assert concern.is_violence_path
    detail = client.get(url("detail", concern)).content.decode()
    assert "Violence or abuse suspected" in detail
    assert "I suspect violence or sexual abuse" not in detail
    # Taking it again: a clear message, nothing changed.
    response = client.post(url("violence_path", concern), follow=True)
    assert "already taken" in response.content.decode()
    assert ConcernRecord.objects.filter(kind=RecordKind.VIOLENCE_PATH).count() == 1


def test_the_flag_is_seen_by_the_author_sharers_and_the_leader_only(
    world: World, on_path: Concern, login_as: Any
) -> None:
    colleague = world.school_employee
    services.share_concern(
        actor=as_actor(world.employee), concern=on_path, user=colleague, role="colleague"
    )
    for user in (world.employee, world.leader, colleague):
        listing = login_as(user).get(reverse("concerns:list")).content.decode()
        assert "Violence or abuse suspected" in listing, user
        assert login_as(user).get(url("detail", on_path)).status_code == 200
    for user in (world.admin, world.other_staff, world.guardian, world.youth):
        assert login_as(user).get(url("detail", on_path)).status_code == 404


def test_a_new_leader_of_the_unit_may_read_it_without_a_share(
    world: World, on_path: Concern, login_as: Any
) -> None:
    new_leader = f.make_user(world.municipality, username="ny", first_name="Nina")
    f.add_membership(new_leader, world.kindergarten, Membership.Role.LEADER)
    client = login_as(new_leader)
    assert client.get(url("detail", on_path)).status_code == 200
    assert client.get(url("report", on_path)).status_code in (200, 404)
    # ... but a leader of another unit may not.
    other = f.make_user(world.municipality, username="skuleleiar")
    f.add_membership(other, world.school, Membership.Role.LEADER)
    assert login_as(other).get(url("detail", on_path)).status_code == 404


# --- nothing reaches the guardians -------------------------------------------------------


def test_the_path_cannot_go_on_to_a_relay_log_with_the_guardians(
    world: World, on_path: Concern, login_as: Any
) -> None:
    with pytest.raises(ServiceError, match="violence/abuse path"):
        services.decide_concern(
            actor=as_actor(world.employee),
            concern=on_path,
            outcome=Outcome.LEVEL,
            reason="Samarbeid.",
            level=2,
        )
    # Through the page: the choice is not offered; posting it anyway changes nothing.
    client = login_as(world.employee)
    page = client.get(url("decide", on_path)).content.decode()
    assert "Go on at level 1, 2 or 3" not in page
    response = client.post(
        url("decide", on_path), {"outcome": "level", "level": "2", "reason": "Samarbeid."}
    )
    assert response.status_code == 200
    assert "cannot go on to a relay log" in response.content.decode()
    on_path.refresh_from_db()
    assert on_path.is_open and on_path.log is None
    assert not RelayLog.objects.exists() and not Consent.objects.exists()


def test_no_talk_with_the_family_is_recorded_on_the_path(
    world: World, on_path: Concern, login_as: Any
) -> None:
    with pytest.raises(ServiceError, match="not informed first"):
        services.record_family_talk(
            actor=as_actor(world.employee),
            concern=on_path,
            told_who="Gro",
            told_on=timezone.localdate(),
            with_child=False,
            said="-",
        )
    detail = login_as(world.employee).get(url("detail", on_path)).content.decode()
    assert "Record a talk with the family" not in detail
    assert not ConcernRecord.objects.filter(kind=RecordKind.FAMILY_TALK).exists()


def _plain(html: str) -> str:
    """A page without what changes on every request (CSRF tokens, nonces)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def _guardian_pages(world: World, login_as: Any) -> dict[str, str]:
    client = login_as(world.guardian)
    pages = {}
    for name in ("home:home", "concerns:ask_for_help"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        pages[name] = _plain(response.content.decode())
    return pages


def test_the_guardian_sees_nothing_of_the_path_or_the_report(
    world: World, named: Concern, login_as: Any
) -> None:
    before = _guardian_pages(world, login_as)
    concern = take_path(world, named)
    services.save_report(actor=as_actor(world.employee), concern=concern, content=content())
    services.mark_report_sent(
        actor=as_actor(world.employee),
        concern=concern,
        sent_on=timezone.localdate(),
        sent_how="post",
        sent_to="Barnevernet",
    )
    after = _guardian_pages(world, login_as)
    assert after == before
    client = login_as(world.guardian)
    for name in ("detail", "violence_path", "report", "report_pdf", "report_edit", "report_sent"):
        assert client.get(url(name, concern)).status_code == 404, name
    assert client.get(reverse("concerns:list")).status_code == 404
    for text in (OBSERVED, WHY, "child welfare", "violence", concern.label):
        assert all(text not in page for page in after.values())
    assert mail.outbox == []
    # The youth too.
    assert login_as(world.youth).get(url("report", concern)).status_code == 404


def test_a_guardians_own_request_stays_as_it_was_on_the_path(world: World, login_as: Any) -> None:
    request = services.request_help(
        actor=as_actor(world.guardian),
        subject=world.child,
        unit=world.kindergarten,
        worry="Ho søv dårleg.",
    )
    home_before = _plain(login_as(world.guardian).get(reverse("home:home")).content.decode())
    assert "The unit's leader has it and will contact you." in home_before
    # Lars (the unit's leader) received it; he suspects violence.
    concern = services.take_violence_path(actor=as_actor(world.leader), concern=request)
    services.save_report(actor=as_actor(world.leader), concern=concern, content=content())
    services.mark_report_sent(
        actor=as_actor(world.leader),
        concern=concern,
        sent_on=timezone.localdate(),
        sent_how="hand",
        sent_to="Barnevernet",
    )
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CHILD_WELFARE
    home_after = _plain(login_as(world.guardian).get(reverse("home:home")).content.decode())
    assert home_after == home_before
    assert mail.outbox == []


def test_reads_on_the_path_name_no_child_in_the_access_log(
    world: World, on_path: Concern, login_as: Any
) -> None:
    services.save_report(actor=as_actor(world.employee), concern=on_path, content=content())
    client = login_as(world.employee)
    client.get(reverse("concerns:list"))
    client.get(reverse("home:home"))
    client.get(url("detail", on_path))
    client.get(url("report", on_path))
    client.get(url("report_pdf", on_path))
    listed = AccessLogEntry.objects.filter(action="concern.list", object_uuid=on_path.uuid)
    assert listed.count() == 1 and listed.get().subject_uuid is None
    report = ChildWelfareReport.objects.get()
    rows = list(
        AccessLogEntry.objects.filter(object_uuid__in=[on_path.uuid, report.uuid]).order_by("id")
    )
    assert [(r.action, r.object_type) for r in rows][-3:] == [
        ("concern.view", "Concern"),
        ("report.view", "ChildWelfareReport"),
        ("report.pdf", "ChildWelfareReport"),
    ]
    assert all(r.actor_id == world.employee.id and r.role == "author" for r in rows[-3:])
    # Kept for audit, never on the family's list of who read about the child.
    assert not AccessLogEntry.objects.filter(subject_uuid=world.child.uuid).filter(
        at__gte=on_path.violence_path_at
    )


# --- the report ------------------------------------------------------------------------------


def test_drafts_are_kept_as_versions_and_only_the_author_edits(
    world: World, on_path: Concern
) -> None:
    eva = as_actor(world.employee)
    report = services.save_report(actor=eva, concern=on_path, content=content())
    services.save_report(actor=eva, concern=on_path, content=content(urgency="acute"))
    versions = list(ReportVersion.objects.filter(report=report).order_by("number"))
    assert [(v.number, v.urgency) for v in versions] == [(1, "urgent"), (2, "acute")]
    assert report_page(report).latest == versions[-1]
    assert ConcernRecord.objects.filter(kind=RecordKind.REPORT).count() == 1
    with pytest.raises(PermissionDenied):
        services.save_report(actor=as_actor(world.leader), concern=on_path, content=content())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"observed": "  "}, "Write what you observed"),
        ({"not_informed_why": ""}, "Write why the guardians are not informed"),
        ({"urgency": "someday"}, "Choose how urgent it is"),
        ({"reporter_name": ""}, "Write your name"),
        ({"child_birth_date": datetime.date.today() + datetime.timedelta(days=2)}, "future"),
    ],
)
def test_bad_report_input_gets_a_message_and_changes_nothing(
    world: World, on_path: Concern, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ServiceError, match=message):
        services.save_report(
            actor=as_actor(world.employee), concern=on_path, content=content(**changes)
        )
    assert not ChildWelfareReport.objects.exists() and not ReportVersion.objects.exists()


def test_informed_guardians_need_no_reason(world: World, on_path: Concern) -> None:
    report = services.save_report(
        actor=as_actor(world.employee),
        concern=on_path,
        content=content(guardians_informed=True, not_informed_why="left over"),
    )
    version = report_page(report).latest
    assert version is not None and version.guardians_informed and version.not_informed_why == ""


def test_an_anonymous_concerns_report_must_name_the_child_before_it_is_sent(
    world: World, concern: Concern, login_as: Any
) -> None:
    assert concern.is_anonymous
    take_path(world, concern)
    eva = as_actor(world.employee)
    services.save_report(
        actor=eva, concern=concern, content=content(child_name="", child_birth_date=None)
    )
    with pytest.raises(ServiceError, match="child's name"):
        services.mark_report_sent(
            actor=eva,
            concern=concern,
            sent_on=timezone.localdate(),
            sent_how="post",
            sent_to="Barnevernet",
        )
    # Through the page: the message, and nothing changed.
    response = login_as(world.employee).post(
        url("report_sent", concern),
        {"sent_on": timezone.localdate().isoformat(), "sent_how": "post", "sent_to": "BV"},
    )
    assert response.status_code == 200
    assert "child welfare needs to know who the child is" in response.content.decode()
    report = ChildWelfareReport.objects.get()
    assert not report.is_sent
    concern.refresh_from_db()
    assert concern.is_open
    # Named in the report: it can be sent.
    services.save_report(actor=eva, concern=concern, content=content())
    services.mark_report_sent(
        actor=eva, concern=concern, sent_on=timezone.localdate(), sent_how="post", sent_to="BV"
    )
    report.refresh_from_db()
    assert report.is_sent


def test_marking_as_sent_freezes_the_report_and_closes_the_concern(
    world: World, on_path: Concern, login_as: Any
) -> None:
    eva = as_actor(world.employee)
    services.save_report(actor=eva, concern=on_path, content=content())
    client = login_as(world.employee)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    # Bad input: a date in the future, an unknown way; nothing changes.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for bad in (
        {"sent_on": tomorrow.isoformat(), "sent_how": "post", "sent_to": "BV"},
        {"sent_on": yesterday.isoformat(), "sent_how": "pigeon", "sent_to": "BV"},
        {"sent_on": yesterday.isoformat(), "sent_how": "post", "sent_to": ""},
    ):
        assert client.post(url("report_sent", on_path), bad).status_code == 200
        assert not ChildWelfareReport.objects.get().is_sent
    # Written today: it cannot have been sent yesterday.
    response = client.post(
        url("report_sent", on_path),
        {"sent_on": yesterday.isoformat(), "sent_how": "post", "sent_to": "BV"},
    )
    assert "before it was written" in response.content.decode()
    response = client.post(
        url("report_sent", on_path),
        {"sent_on": timezone.localdate().isoformat(), "sent_how": "secure", "sent_to": "BV"},
    )
    assert response.status_code == 302
    report = ChildWelfareReport.objects.get()
    assert report.is_sent and report.sent_how == "secure" and report.sent_by == world.employee
    on_path.refresh_from_db()
    assert on_path.status == Concern.Status.CHILD_WELFARE
    assert on_path.records.filter(kind=RecordKind.REPORT, body__contains="was sent").exists()
    # Frozen: no more drafts, no second sending, pages say so (403 for the author).
    with pytest.raises(PermissionDenied):
        services.save_report(actor=eva, concern=on_path, content=content(observed="Nytt."))
    with pytest.raises(PermissionDenied):
        services.mark_report_sent(
            actor=eva, concern=on_path, sent_on=timezone.localdate(), sent_how="post", sent_to="X"
        )
    assert client.get(url("report_edit", on_path)).status_code == 403
    assert client.get(url("report_sent", on_path)).status_code == 403
    page = client.get(url("report", on_path)).content.decode()
    assert "The report is frozen" in page and "Change the draft" not in page
    assert ReportVersion.objects.count() == 1


def test_the_interface_says_plainly_that_stafett_does_not_send_it(
    world: World, on_path: Concern, login_as: Any
) -> None:
    page = login_as(world.employee).get(url("report_edit", on_path)).content.decode()
    assert "Stafett does not send the report" in page
    assert "Sending by the secure channel from Stafett is not available." in page


def test_the_report_form_starts_from_what_stafett_knows(
    world: World, on_path: Concern, login_as: Any
) -> None:
    page = login_as(world.employee).get(url("report_edit", on_path)).content.decode()
    assert "Mia Mor" in page  # the named child
    assert world.child.birth_date.isoformat() in page
    assert "Gro Mor" in page  # the guardian with parental responsibility
    assert on_path.noticed in page  # the dated observation
    assert "Eva Tilsett" in page and "Solsida barnehage" in page


def test_saving_through_the_page(world: World, on_path: Concern, login_as: Any) -> None:
    client = login_as(world.employee)
    response = client.post(url("report_edit", on_path), form_data(observed=""))
    assert response.status_code == 200 and not ChildWelfareReport.objects.exists()
    response = client.post(url("report_edit", on_path), form_data())
    assert response.status_code == 302 and response["Location"] == url("report", on_path)
    page = client.get(url("report", on_path)).content.decode()
    assert "Draft" in page and "Version 1, saved by Eva Tilsett" in page
    assert "Blåmerke" in page or "blåmerke" in page


def test_the_pdf_is_a_pdf_and_its_download_is_logged(
    world: World, on_path: Concern, contacts: list[EmergencyContact], login_as: Any
) -> None:
    report = services.save_report(
        actor=as_actor(world.employee), concern=on_path, content=content()
    )
    response = login_as(world.leader).get(url("report_pdf", on_path))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Mia" not in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    row = AccessLogEntry.objects.filter(action="report.pdf").get()
    assert row.actor_id == world.leader.id and row.object_uuid == report.uuid

    # The HTML the PDF is made from has the child, the observation, the contacts.
    with translation.override("en"):
        html = report_html(on_path, report_page(report))
    assert "Mia Mor" in html and "04.03.2021" in html
    assert "Pappa tok hardt" in html
    assert "Draft: not marked as sent." in html and "Signature" in html
    # ... and WeasyPrint lays it out: the child's name is on the PDF's first page.
    text = laid_out_text(html)
    assert "Mia Mor" in text[0] and "Draft: not marked as sent." in text[0]
    assert any("Pappa tok hardt" in page for page in text)


@pytest.mark.parametrize(
    ("language", "filename"),
    [
        ("nn", "bekymringsmelding-til-barnevernet.pdf"),
        ("nb", "bekymringsmelding-til-barnevernet.pdf"),
        ("en", "report-to-child-welfare.pdf"),
    ],
)
def test_the_pdfs_file_name_is_in_the_readers_language(
    world: World, on_path: Concern, login_as: Any, language: str, filename: str
) -> None:
    services.save_report(actor=as_actor(world.employee), concern=on_path, content=content())
    client = login_as(world.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url("report_pdf", on_path))
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def laid_out_text(html: str) -> list[str]:
    """The text WeasyPrint puts on each page of the PDF (pdftotext or pypdf may be missing)."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.formatting_structure import boxes  # type: ignore[import-untyped]

    def texts(box: Any) -> list[str]:
        found = [box.text] if isinstance(box, boxes.TextBox) else []
        for child in getattr(box, "children", None) or []:
            found += texts(child)
        return found

    document = HTML(string=html).render()
    return [" ".join(texts(page._page_box)) for page in document.pages]


def test_the_leader_is_led_to_the_report_once_there_is_one(
    world: World, on_path: Concern, login_as: Any
) -> None:
    client = login_as(world.leader)
    assert url("report", on_path) not in client.get(url("detail", on_path)).content.decode()
    assert client.get(url("report", on_path)).status_code == 404
    services.save_report(actor=as_actor(world.employee), concern=on_path, content=content())
    assert url("report", on_path) in client.get(url("detail", on_path)).content.decode()


def test_who_reads_the_report(world: World, on_path: Concern, login_as: Any) -> None:
    services.save_report(actor=as_actor(world.employee), concern=on_path, content=content())
    # Child-welfare staff are not readers in Stafett: the report goes outside.
    kind = f.make_service_kind(world.municipality, "Barnevern", "help")
    child_welfare = f.make_unit(world.municipality, "Testvik barnevern", kind)
    caseworker = f.make_user(world.municipality, username="bv")
    f.add_membership(caseworker, child_welfare)
    expected = {
        world.employee: 200,
        world.leader: 200,
        caseworker: 404,
        world.school_employee: 404,
        world.admin: 404,
        world.other_staff: 404,
        world.guardian: 404,
        world.youth: 404,
    }
    for user, status in expected.items():
        assert login_as(user).get(url("report", on_path)).status_code == status, user
    # The leader reads, the author writes.
    assert login_as(world.leader).get(url("report_edit", on_path)).status_code == 403


def test_a_decision_to_report_leads_to_the_report_form(
    world: World, named: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    response = client.post(
        url("decide", named), {"outcome": "child_welfare", "reason": "Alvorleg uro."}
    )
    assert response.status_code == 302 and response["Location"] == url("report_edit", named)
    named.refresh_from_db()
    assert named.status == Concern.Status.CHILD_WELFARE and not named.is_violence_path
    assert ConcernShare.objects.filter(concern=named, user=world.leader).exists()
    response = client.post(url("report_edit", named), form_data())
    assert response.status_code == 302
    detail = client.get(url("detail", named)).content.decode()
    assert url("report", named) in detail
    # Reads of a report that is not on the violence path carry the child, as other reads.
    client.get(url("report", named))
    assert AccessLogEntry.objects.filter(action="report.view").get().subject_uuid == (
        world.child.uuid
    )


def test_an_open_concern_without_the_path_has_no_report(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    assert client.get(url("report_edit", concern)).status_code == 403
    assert client.get(url("report", concern)).status_code == 404
    assert client.get(url("report_pdf", concern)).status_code == 404


# --- leftovers of issue 5: other tools on a concern, the public guide from home ----------


def test_a_concern_offers_the_steps_tools_and_the_other_tools(
    world: World, concern: Concern, login_as: Any
) -> None:
    from tests.guides.builders import make_guide, make_tool

    listed = make_tool(world, title="Observasjonsskjema")
    other = make_tool(world, title="Kartleggingsskjema")
    make_tool(world, title="Utkast", publish=False)  # never published: not offered
    make_guide(world, level=0, step="assess", what="Skriv ned.", tools=[listed])
    client = login_as(world.employee)
    html = client.get(url("detail", concern)).content.decode()
    others = html.split('id="other-tools"', 1)[1].split("</section>", 1)[0]
    assert "Kartleggingsskjema" in others
    assert "Observasjonsskjema" not in others and "Utkast" not in others
    fill = reverse("guides:fill_concern", kwargs={"template": other.uuid, "concern": concern.uuid})
    assert fill in others
    assert client.get(fill).status_code == 200
    # Those it was shared with read the concern; they do not fill in tools for it.
    services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
    )
    assert (
        'id="other-tools"'
        not in login_as(world.leader).get(url("detail", concern)).content.decode()
    )


def test_the_guardians_home_links_to_the_public_guides(world: World, login_as: Any) -> None:
    html = login_as(world.guardian).get(reverse("home:home")).content.decode()
    public = reverse("guides:public_guides", kwargs={"municipality": world.municipality.slug})
    assert public in html
    assert login_as(None).get(public).status_code == 200


def test_the_new_pages_have_no_inline_script_or_style(
    world: World, on_path: Concern, login_as: Any
) -> None:
    services.save_report(actor=as_actor(world.employee), concern=on_path, content=content())
    client = login_as(world.employee)
    for name in ("detail", "violence_path", "report", "report_edit", "report_sent"):
        html = client.get(url(name, on_path)).content.decode()
        assert "style=" not in html and "<style" not in html, name
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html)), name


def test_those_it_was_shared_with_find_the_contacts_but_only_the_author_takes_the_path(
    world: World, concern: Concern, contacts: list[EmergencyContact], login_as: Any
) -> None:
    services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
    )
    client = login_as(world.leader)
    detail = client.get(url("detail", concern)).content.decode()
    assert "Who to contact if you suspect violence or sexual abuse" in detail
    page = client.get(url("violence_path", concern)).content.decode()
    assert "Politiet" in page and "Take the violence/abuse path" not in page
    assert "Only the person who registered the concern can take this path." in page
    assert client.post(url("violence_path", concern)).status_code == 403
    concern.refresh_from_db()
    assert not concern.is_violence_path
