"""What a Norwegian user sees: the demo's pages, followed link by link as staff and
families, in nynorsk and bokmål (issue 11, item 5).

Every page is checked for numbers written with a decimal comma in markup, for English
interface strings and words on a Norwegian page, and (in nynorsk, the demo
municipality's language, where the content is nynorsk too) for words from bokmål.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from stafett.accounts.models import User
from stafett.demo.services import load_demo
from tests import factories as f
from tests.markup_checks import (
    english_strings,
    localised_numbers,
    other_standard_words,
    visible_text,
)

SKIP = ("/logout", "/static/", ".pdf", "/calendar", "/print", "/scan", "/i18n/", "/admin/")
PERSONAS = ("foresatt.hansen", "ungdom.lie", "larar.skule", "leiar.skule", "admin.fjordvik")
MAX_PAGES = 30


def _walk(client: Client) -> Iterator[tuple[str, str]]:
    """(path, html) of the pages reached from the home page by links, breadth first."""
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        yield path, html
        for href in re.findall(r'href="(/[^"#?]*)', html):
            if href not in seen and not any(part in href for part in SKIP):
                queue.append(href)


@pytest.fixture
def demo(db: Any, settings: Any) -> None:
    settings.STAFETT_DEMO = True
    load_demo()


@pytest.mark.parametrize("language", ["nn", "nb"])
@pytest.mark.parametrize("username", PERSONAS)
def test_the_demo_reads_in_norwegian(demo: None, username: str, language: str) -> None:
    client = Client()
    f.login(client, User.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    problems: list[str] = []
    pages = 0
    for path, html in _walk(client):
        pages += 1
        assert f'<html lang="{language}">' in html, path
        # The page's own text: between the header and the footer, without what is marked
        # as written in another language (a consent text in English, a language's name).
        body = html.split("<main", 1)[-1].split('<footer class="site-footer">', 1)[0]
        main = visible_text(re.sub(r'(?s)<(\w+)[^>]* lang="(?!nn|nb)[^"]*".*?</\1>', " ", body))
        for kind, found in (
            ("decimal comma in markup", localised_numbers(html)),
            # Anywhere on the page (header, menus, labels only a screen reader reads):
            # a whole message of the catalogue left in English, or English words.
            ("English", english_strings(html, language)),
            ("bokmål", other_standard_words(main, "nn") if language == "nn" else []),
        ):
            if found:
                problems.append(f"{path}: {kind}: {found[:5]}")
    assert pages > 5
    assert problems == []
