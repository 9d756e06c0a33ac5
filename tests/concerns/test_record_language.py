"""A concern's history reads in the reader's language (issue 11, item 2): the system's own
lines are stored as a key and parameters; what people wrote is shown as written."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from stafett.concerns import services
from stafett.concerns.models import Concern, ConcernRecord, RecordKind
from tests import factories as f
from tests.concerns.conftest import as_actor
from tests.conftest import World
from tests.markup_checks import visible_text

pytestmark = pytest.mark.django_db


def read(client: Client, world: World, concern: Concern, language: str) -> str:
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    f.login(client, world.employee)  # the author reads the whole history
    response = client.get(reverse("concerns:detail", kwargs={"concern": concern.uuid}))
    assert response.status_code == 200
    return visible_text(response.content.decode())


def test_a_share_written_in_nynorsk_reads_in_english_and_bokmal(
    world: World, concern: Concern, client: Client
) -> None:
    with translation.override("nn"):
        services.share_concern(
            actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
        )
        services.add_view(actor=as_actor(world.leader), concern=concern, body="Einig.")
    record = ConcernRecord.objects.get(concern=concern, kind=RecordKind.SHARED)
    assert record.params == {"line": "shared", "name": "Lars Leiar", "role": "Unit leader"}
    assert record.body == "Shared with Lars Leiar (Unit leader)."

    en = read(client, world, concern, "en")
    assert "Shared with Lars Leiar (Unit leader)." in en and "Delt med" not in en
    assert "Einig." in en  # what people wrote stays as written
    nn = read(client, world, concern, "nn")
    assert "Delt med Lars Leiar (Einingsleiar)." in nn and "Shared with" not in nn
    nb = read(client, world, concern, "nb")
    assert "Delt med Lars Leiar (" in nb and "Einingsleiar" not in nb


def test_an_old_record_with_only_a_body_still_reads(
    world: World, concern: Concern, client: Client
) -> None:
    ConcernRecord.objects.create(
        concern=concern, kind=RecordKind.SHARED, author_name="Eva", body="Delt med Lars (leiar)."
    )
    assert "Delt med Lars (leiar)." in read(client, world, concern, "en")
