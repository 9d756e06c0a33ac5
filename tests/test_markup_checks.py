"""The page checks the browser journeys run on every page they visit (issue 11, item 5)
can fail: a page with a decimal comma in an SVG coordinate, a word from the other
written standard, or an interface string left in English is caught, and a page
without them passes. Plain HTML, no browser and no database."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tests.markup_checks import english_strings, page_problems, page_texts

pytestmark = pytest.mark.filterwarnings("error")


def page(body: str, language: str = "nn") -> str:
    return (
        f'<!doctype html><html lang="{language}"><head><title>Stafett</title></head>'
        f'<body><header><select><option lang="en">English</option></select></header>'
        f"<main>{body}</main></body></html>"
    )


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


GOOD_NN = page(
    f"<h1>Mia Mor</h1><p>{in_language('nn', 'Saved in the log.')}</p>"
    '<svg viewBox="0 0 136.5 40"><rect x="1.5" y="0" width="12.25" height="40"/>'
    '<polyline points="0,1 2.5,3"/></svg>'
    f'<button aria-label="{in_language("nn", "Close the log")}">×</button>'
    # A text marked as written in another language is not the page's own text.
    '<blockquote lang="en">Your consent is needed</blockquote>'
    '<script>const label = "Save in the log";</script>'
)


def test_a_clean_nynorsk_page_passes() -> None:
    assert page_problems(GOOD_NN, "nn") == []


def test_a_decimal_comma_in_an_svg_coordinate_fails() -> None:
    html = GOOD_NN.replace('width="12.25"', 'width="12,25"')
    assert page_problems(html, "nn") == ['decimal comma in markup: width="12,25"']
    points = GOOD_NN.replace('points="0,1 2.5,3"', 'points="0,1 2,5,3"')
    assert page_problems(points, "nn") == ['decimal comma in markup: points="0,1 2,5,3"']
    # English pages too: a browser rejects "136,5" whatever the language.
    english = page('<svg viewBox="0 0 136,5 40"></svg>', "en")
    assert page_problems(english, "en") == ['decimal comma in markup: viewBox="0 0 136,5 40"']


def test_a_word_from_the_other_written_standard_fails() -> None:
    bokmal_on_nn = GOOD_NN.replace("Mia Mor", "Mia Mor vil ikke")
    assert page_problems(bokmal_on_nn, "nn") == ["bokmål: 'ikke'"]
    nynorsk_on_nb = page("<p>Korleis går det?</p>", "nb")
    assert page_problems(nynorsk_on_nb, "nb") == ["nynorsk: 'korleis'"]


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_an_english_interface_string_on_a_norwegian_page_fails(language: str) -> None:
    # A whole message, a message with its placeholder filled in, a label only a screen
    # reader reads, and an English sentence the catalogue does not know.
    for fragment, found in (
        ("<p>Save in the log</p>", "Save in the log"),
        ("<p>Back to the log for Mia</p>", "Back to the log for Mia"),
        ('<nav aria-label="Manage the log"></nav>', "Manage the log"),
        ("<p>Something went wrong with your request.</p>", None),
    ):
        html = page(fragment, language)
        text = found or "Something went wrong with your request."
        assert english_strings(html, language) == [text]
        assert page_problems(html, language) == [f"English: {text!r}"]


def test_the_page_must_be_in_its_language() -> None:
    assert page_problems(page("<p>Mia</p>", "en"), "nn") == ["<html lang> is 'en', not 'nn'"]


def test_a_word_that_is_english_and_norwegian_alike_passes() -> None:
    # "Status" is its own translation: it is a nynorsk word too.
    assert page_problems(page("<p>Status</p><p>PPT</p>"), "nn") == []


def test_texts_marked_in_another_language_are_left_out() -> None:
    html = page('<p>Mia</p><div lang="ar" dir="rtl"><p>سجل <b>التتابع</b></p></div><p>Mor</p>')
    assert page_texts(html, "nn") == ["Stafett", "Mia", "Mor"]
