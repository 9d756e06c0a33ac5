"""The administrator's guide and tool pages, the guide beside the relay log, and the
public page without log-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stafett.guides import selectors, services
from stafett.guides.models import FieldType, FormField, FormTemplate
from stafett.organisation.models import EmergencyContact, ServiceCategory
from tests.conftest import World
from tests.guides.builders import as_actor, make_guide, make_tool
from tests.guides.conftest import LogWorld

pytestmark = pytest.mark.django_db


def step_url(guide_uuid: Any, level: int = 2, step: str = "start") -> str:
    return reverse("guides:admin_step", kwargs={"guide": guide_uuid, "level": level, "step": step})


def log_url(lw: LogWorld) -> str:
    return reverse("logs:detail", kwargs={"log": lw.log.uuid})


def public_url(world: World) -> str:
    return reverse("guides:public_guides", kwargs={"municipality": world.municipality.slug})


def test_the_administrator_edits_and_publishes_a_step_and_staff_and_public_see_it(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    guide = make_guide(w, what="Gammal tekst.")
    admin = login_as(w.admin)
    response = admin.get(step_url(guide.uuid))
    assert response.status_code == 200
    assert "Gammal tekst." in response.content.decode()
    response = admin.post(
        step_url(guide.uuid),
        {"what_nn": "Kall inn til oppstartsmøte.", "how_nn": "Ring føresette.", "who_nn": "Eva."},
    )
    assert response.status_code == 302
    # Saved in the draft only: the log page still shows the published text.
    page = login_as(w.employee).get(log_url(active_log)).content.decode()
    assert "Gammal tekst." in page and "Kall inn til oppstartsmøte." not in page
    preview = login_as(w.admin).get(reverse("guides:admin_preview", kwargs={"guide": guide.uuid}))
    assert "Kall inn til oppstartsmøte." in preview.content.decode()

    response = login_as(w.admin).post(reverse("guides:admin_publish", kwargs={"guide": guide.uuid}))
    assert response.status_code == 302
    page = login_as(w.employee).get(log_url(active_log)).content.decode()
    assert "The action guide at this step" in page
    assert "Kall inn til oppstartsmøte." in page and "Gammal tekst." not in page

    anonymous = Client()
    listing = anonymous.get(public_url(w))
    assert listing.status_code == 200
    assert "Rettleiar for barnehage og skule" in listing.content.decode()
    guide_page = anonymous.get(
        reverse(
            "guides:public_guide", kwargs={"municipality": w.municipality.slug, "guide": guide.uuid}
        )
    )
    assert "Kall inn til oppstartsmøte." in guide_page.content.decode()
    # The first version is still readable for the administrator.
    old = login_as(w.admin).get(
        reverse("guides:admin_version", kwargs={"guide": guide.uuid, "number": 1})
    )
    assert "Gammal tekst." in old.content.decode()


def test_a_step_form_without_what_to_do_shows_an_error_and_saves_nothing(
    world: World, login_as: Any
) -> None:
    guide = make_guide(world)
    response = login_as(world.admin).post(step_url(guide.uuid), {"how_nn": "Berre korleis."})
    assert response.status_code == 200
    assert "Write what to do at this step" in response.content.decode()
    assert selectors.guide_draft(guide) is None


def test_an_unknown_step_is_not_found(world: World, login_as: Any) -> None:
    guide = make_guide(world)
    assert login_as(world.admin).get(step_url(guide.uuid, 0, "planning")).status_code == 404
    assert login_as(world.admin).get(step_url(guide.uuid, 7, "start")).status_code == 404


def test_the_log_page_shows_a_withdrawn_tool_as_withdrawn(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    tool = make_tool(w, title="Observasjonsskjema")
    make_guide(w, tools=[tool])
    services.withdraw_form_template(actor=as_actor(w.admin), template=tool)
    page = login_as(w.employee).get(log_url(active_log)).content.decode()
    assert "Observasjonsskjema" in page
    assert "Withdrawn" in page
    # Withdrawn tools are not linked.
    assert reverse("guides:tool", kwargs={"template": tool.uuid}) not in page


def test_the_log_page_shows_nothing_without_a_guide_for_its_category(
    active_log: LogWorld, login_as: Any
) -> None:
    make_guide(active_log.world, category=ServiceCategory.HELP)
    page = login_as(active_log.world.employee).get(log_url(active_log)).content.decode()
    assert "The action guide at this step" not in page


def test_the_public_page_shows_no_draft_and_the_emergency_contacts(
    world: World, client: Client
) -> None:
    make_guide(world, category=ServiceCategory.HELP, publish=False)
    EmergencyContact.objects.create(
        municipality=world.municipality, name="Barnevernsvakta", phone="116 123"
    )
    page = client.get(public_url(world)).content.decode()
    assert "No guides are published yet." in page
    assert "Barnevernsvakta" in page and "How to ask for help" in page


def test_an_unknown_municipality_has_no_public_page(client: Client) -> None:
    url = reverse(
        "guides:public_guides", kwargs={"municipality": "00000000-0000-0000-0000-000000000000"}
    )
    assert client.get(url).status_code == 404


def test_a_guide_of_another_municipality_is_not_on_our_public_page(
    world: World, client: Client
) -> None:
    guide = make_guide(world)
    url = reverse(
        "guides:public_guide",
        kwargs={"municipality": world.other_municipality.uuid, "guide": guide.uuid},
    )
    assert client.get(url).status_code == 404


def test_the_administrator_builds_a_tool_through_the_pages(world: World, login_as: Any) -> None:
    admin = login_as(world.admin)
    response = admin.post(
        reverse("guides:admin_templates"),
        {"kind": "distress_signs", "title_nn": "Teikn på mistrivsel"},
    )
    assert response.status_code == 302
    tool = FormTemplate.objects.get(municipality=world.municipality)
    add = reverse("guides:admin_field_add", kwargs={"template": tool.uuid})
    # Options missing for a checklist: refused with a message.
    response = admin.post(
        add,
        {"field_type": FieldType.CHECKLIST, "label_nn": "0–6 år", "scale_min": 1, "scale_max": 10},
    )
    assert response.status_code == 200
    assert "Write the options" in response.content.decode()
    response = admin.post(
        add,
        {
            "field_type": FieldType.CHECKLIST,
            "section_nn": "0–6 år",
            "label_nn": "Teikn",
            "options_nn": "Søv dårleg\nGret mykje",
            "scale_min": 1,
            "scale_max": 10,
        },
    )
    assert response.status_code == 302
    response = admin.post(reverse("guides:admin_template_publish", kwargs={"template": tool.uuid}))
    assert response.status_code == 302
    page = login_as(world.employee).get(reverse("guides:tool", kwargs={"template": tool.uuid}))
    assert page.status_code == 200
    assert "Søv dårleg" in page.content.decode()
    response = login_as(world.admin).post(
        reverse("guides:admin_template_withdraw", kwargs={"template": tool.uuid})
    )
    assert FormTemplate.objects.get(pk=tool.pk).is_withdrawn


def test_staff_without_the_role_get_403_and_other_municipalities_404(
    world: World, login_as: Any
) -> None:
    guide = make_guide(world)
    url = reverse("guides:admin_guide", kwargs={"guide": guide.uuid})
    assert login_as(world.employee).get(url).status_code == 403
    assert login_as(world.leader).get(url).status_code == 403
    assert login_as(world.other_staff).get(url).status_code == 404
    assert login_as(world.guardian).get(url).status_code == 404
    assert login_as(world.admin).get(url).status_code == 200


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_run_the_same_queries_for_one_guide_or_three(
    world: World, login_as: Any
) -> None:
    make_guide(world)
    make_tool(world)
    admin = login_as(world.admin)
    urls = [reverse("guides:admin_guides"), reverse("guides:admin_templates"), public_url(world)]
    for url in urls:
        admin.get(url)
    before = [_count(admin, url) for url in urls]
    make_guide(world, category=ServiceCategory.HELP)
    make_guide(world, category=ServiceCategory.ADULT)
    make_tool(world, title="To")
    make_tool(world, title="Tre")
    after = [_count(admin, url) for url in urls]
    assert before == after


def test_the_log_page_guide_adds_a_fixed_number_of_queries(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    make_guide(w, tools=[make_tool(w)])
    client = login_as(w.employee)
    client.get(log_url(active_log))
    one = _count(client, log_url(active_log))
    admin = as_actor(w.admin)
    guide = selectors.guides_for_admin(w.municipality.id, "nn", "nn")[0].guide
    services.update_guide_step(
        actor=admin,
        guide=guide,
        level=2,
        step="start",
        texts={"nn": {"what": "Med fleire verktøy."}},
        tools=[make_tool(w, title=str(i)) for i in range(4)],
    )
    services.publish_guide(actor=admin, guide=guide)
    assert _count(client, log_url(active_log)) == one


def test_the_coordinator_fills_in_a_tool_from_the_guide_beside_the_log(
    active_log: LogWorld, login_as: Any
) -> None:
    from stafett.guides.models import FilledForm
    from stafett.logs.models import Entry

    w = active_log.world
    tool = make_tool(w, title="Observasjonsskjema")
    make_guide(w, tools=[tool])
    client = login_as(w.employee)
    page = client.get(log_url(active_log)).content.decode()
    fill_url = reverse("guides:fill", kwargs={"template": tool.uuid, "log": active_log.log.uuid})
    assert fill_url in page
    text, checklist, scale = list(tool.versions.get(number=1).fields.order_by("position"))
    FormField.objects.filter(pk=text.pk).update(required=True)
    entries_before = Entry.objects.filter(log=active_log.log).count()

    # A required answer left out: an error, and nothing is kept.
    response = client.post(fill_url, {f"f{scale.id}": "4"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not FilledForm.objects.exists()
    assert Entry.objects.filter(log=active_log.log).count() == entries_before
    # An option that does not exist: refused too.
    response = client.post(fill_url, {f"f{text.id}": "Sat åleine.", f"f{checklist.id}": "9"})
    assert response.status_code == 200
    assert not FilledForm.objects.exists()

    response = client.post(
        fill_url,
        {f"f{text.id}": "Sat åleine.", f"f{checklist.id}": ["0", "1"], f"f{scale.id}": "4"},
    )
    assert response.status_code == 302
    filled = FilledForm.objects.get()
    assert filled.entry is not None and filled.entry.log_id == active_log.log.id
    page = client.get(response["Location"]).content.decode()
    assert "Sat åleine." in page and "Trekkjer seg unna" in page
    # The log lists it; the guardian reads it too (the family reads the whole log).
    log_page = login_as(w.guardian).get(log_url(active_log)).content.decode()
    assert reverse("guides:filled_form", kwargs={"filled": filled.uuid}) in log_page
    assert fill_url not in log_page  # the family does not fill in professionals' forms
    # Nor are they sent to the staff's tool pages (the tool is named, not linked).
    assert reverse("guides:tool", kwargs={"template": tool.uuid}) not in log_page
    assert "Observasjonsskjema" in log_page


def test_a_withdrawn_tool_cannot_be_filled_in(active_log: LogWorld, login_as: Any) -> None:
    w = active_log.world
    tool = make_tool(w)
    services.withdraw_form_template(actor=as_actor(w.admin), template=tool)
    url = reverse("guides:fill", kwargs={"template": tool.uuid, "log": active_log.log.uuid})
    assert login_as(w.employee).get(url).status_code == 404
