"""Issue 11, item 18: the report to child welfare starts from what the concern holds.
The form offers the concern's dated observations to copy into "What you observed"; the
PDF says to which child welfare office it is addressed and, on the violence/abuse path,
that the path was taken, when and by whom."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from stafett.concerns import services
from stafett.concerns.models import ChildWelfareReport, Concern, ReportVersion
from stafett.concerns.pdf import report_html
from stafett.concerns.selectors import report_page
from tests.concerns.conftest import as_actor
from tests.concerns.test_violence import content, form_data, laid_out_text
from tests.conftest import World
from tests.markup_checks import visible_text as markup_text

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    """The page's text as a reader sees it (entities such as &#x27; read as characters)."""
    return unescape(markup_text(html))


LATE = "Kom utan matpakke tre dagar på rad."


def url(name: str, concern: Concern) -> str:
    return reverse(f"concerns:{name}", kwargs={"concern": concern.uuid})


@pytest.fixture
def on_path(world: World, concern: Concern) -> Concern:
    eva = as_actor(world.employee)
    services.name_subject(actor=eva, concern=concern, subject=world.child)
    services.take_violence_path(actor=eva, concern=concern)
    concern.refresh_from_db()
    return concern


def with_draft(world: World, concern: Concern) -> ChildWelfareReport:
    return services.save_report(actor=as_actor(world.employee), concern=concern, content=content())


def test_the_form_offers_the_dated_observations_to_copy(
    world: World, on_path: Concern, login_as: Any
) -> None:
    with_draft(world, on_path)  # a draft exists: its text no longer holds later ones
    services.add_observation(actor=as_actor(world.employee), concern=on_path, body=LATE)
    client = login_as(world.employee)
    page = client.get(url("report_edit", on_path)).content.decode()
    today = timezone.localdate().strftime("%d.%m.%Y")
    noticed_on = on_path.noticed_on.strftime("%d.%m.%Y")
    assert f"{today}: {LATE}" in page and "Copy into the report" in page
    assert f"{noticed_on} (Uteleik): Sit mykje åleine" in page
    assert page.count(f"{today}: {LATE}") == 1  # offered, not yet in the text
    observation = on_path.records.get(body=LATE)
    response = client.post(
        url("report_edit", on_path),
        form_data(copy=[f"observation-{observation.id}"], copy_observations="1"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["observed"].endswith(f"\n\n{today}: {LATE}")
    assert form.initial["observed"].startswith("20.11.: blåmerke")
    assert form.initial["addressee"] == "Barneverntenesta i Testvik"
    assert "The observations are copied in. Save the draft to keep them." in (
        response.content.decode()
    )
    # Copying saves nothing: the draft is saved only by "Save the draft".
    assert ReportVersion.objects.filter(report__concern=on_path).count() == 1


def test_copying_twice_adds_an_observation_once(
    world: World, on_path: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    first = client.post(
        url("report_edit", on_path), form_data(observed="", copy=["noticed"], copy_observations="1")
    )
    text = first.context["form"].initial["observed"]
    assert "Sit mykje åleine" in text
    again = client.post(
        url("report_edit", on_path),
        form_data(observed=text, copy=["noticed"], copy_observations="1"),
    )
    assert again.context["form"].initial["observed"] == text


def test_an_unknown_observation_copies_nothing(
    world: World, on_path: Concern, login_as: Any
) -> None:
    response = login_as(world.employee).post(
        url("report_edit", on_path),
        form_data(observed="Mitt eige.", copy=["observation-999999"], copy_observations="1"),
    )
    assert response.context["form"].initial["observed"] == "Mitt eige."
    assert not ChildWelfareReport.objects.filter(concern=on_path).exists()


def test_the_copy_list_reads_in_nynorsk(world: World, on_path: Concern, login_as: Any) -> None:
    client = login_as(world.employee)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    text = visible_text(client.get(url("report_edit", on_path)).content.decode())
    assert "Dei daterte observasjonane frå uroa" in text
    assert "Kopier inn i meldinga" in text
    assert "Til (barneverntenesta)" in text
    assert (
        "Barneverntenesta i Testvik kommune"
        in client.get(url("report_edit", on_path)).content.decode()
    )


def test_the_addressee_is_prefilled_and_required(
    world: World, on_path: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    page = client.get(url("report_edit", on_path)).content.decode()
    assert 'value="The child welfare service in Testvik kommune"' in page
    response = client.post(url("report_edit", on_path), form_data(addressee="  "))
    assert response.status_code == 200
    assert not ChildWelfareReport.objects.filter(concern=on_path).exists()
    with pytest.raises(services.ServiceError):
        services.save_report(
            actor=as_actor(world.employee), concern=on_path, content=content(addressee=" ")
        )
    assert not ChildWelfareReport.objects.filter(concern=on_path).exists()
    # Marking as sent offers the addressee as "Sent to".
    with_draft(world, on_path)
    page = client.get(url("report_sent", on_path)).content.decode()
    assert 'value="Barneverntenesta i Testvik"' in page


@pytest.mark.parametrize(
    ("language", "path_text", "to_text"),
    [
        ("en", "The violence/abuse path was taken on {date} by Eva Tilsett", "To"),
        ("nn", "Sporet for vald/overgrep vart valt {date} av Eva Tilsett", "Til"),
        ("nb", "Sporet for vold/overgrep ble valgt {date} av Eva Tilsett", "Til"),
    ],
)
def test_the_pdf_says_the_path_was_taken_and_to_whom_it_is_addressed(
    world: World, on_path: Concern, language: str, path_text: str, to_text: str
) -> None:
    report = with_draft(world, on_path)
    day = timezone.localtime(on_path.violence_path_at).strftime("%d.%m.%Y")
    with translation.override(language):
        html = report_html(on_path, report_page(report))
    text = visible_text(html)
    assert path_text.format(date=day) in text
    assert f"{to_text} Barneverntenesta i Testvik" in " ".join(text.split())
    pages = laid_out_text(html)
    assert "Barneverntenesta i Testvik" in pages[0] and "Eva Tilsett" in pages[0]


def test_the_pdf_of_a_concern_off_the_path_says_nothing_of_it(
    world: World, concern: Concern
) -> None:
    eva = as_actor(world.employee)
    services.name_subject(actor=eva, concern=concern, subject=world.child)
    services.decide_concern(
        actor=eva, concern=concern, outcome="child_welfare", reason="Meir enn vi kan hjelpe med."
    )
    report = with_draft(world, concern)
    with translation.override("en"):
        html = report_html(concern, report_page(report))
    assert "violence/abuse path" not in html
    assert "Barneverntenesta i Testvik" in html


def test_a_version_saved_before_the_addressee_existed_still_prints(
    world: World, on_path: Concern
) -> None:
    report = with_draft(world, on_path)
    ReportVersion.objects.filter(report=report).update(addressee="")
    with translation.override("en"):
        html = report_html(on_path, report_page(report))
    assert "Pappa tok hardt" in html and "<h3>To</h3>" not in html
    assert datetime.date.today()  # the page still lays out
    assert laid_out_text(html)
