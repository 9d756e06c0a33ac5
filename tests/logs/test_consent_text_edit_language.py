"""The administrator edits a consent text in its own language (issue 11, item 5: found by
the page checks in the staff walk): the text boxes say which language the text is in, so
a screen reader reads English as English on a nynorsk page and Arabic is written right
to left."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.urls import reverse

from stafett.consent.services import save_consent_text
from tests.logs.conftest import LogWorld, as_actor
from tests.markup_checks import page_problems


def test_the_text_boxes_are_marked_with_the_texts_language(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    admin = as_actor(w.admin)
    for language, direction, information in (
        ("ar", "rtl", "سجل التتابع هو ..."),
        ("en", "ltr", "A relay log is where the services that help your child write down."),
    ):
        text = save_consent_text(
            actor=admin,
            municipality=w.municipality,
            language=language,
            information=information,
            consent_statement="I agree that the services may work together.",
            withdraw_text="When you withdraw consent, the services can no longer read it.",
        )
        client = login_as(w.admin)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
        edit = reverse("organisation:consent_text_edit", kwargs={"text": text.uuid})
        html = client.get(edit).content.decode()
        boxes = re.findall(r"<textarea[^>]*>", html)
        assert len(boxes) == 3
        for box in boxes:
            assert f'lang="{language}"' in box and f'dir="{direction}"' in box, box
        # And the nynorsk page has no English of its own.
        assert page_problems(html, "nn") == []
