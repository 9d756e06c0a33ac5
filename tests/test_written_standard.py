"""Nynorsk pages speak nynorsk and bokmål pages bokmål, Django's own messages included
(issue 11, item 4): Django's nynorsk catalogue says "Velg eit gyldig valg" and "Skriv inn
det samme passordet som før"; Stafett's catalogues put them right."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils import translation

from stafett.accounts.models import User
from stafett.core.django_messages import DJANGO_MESSAGES
from tests.markup_checks import other_standard_words


class _Choice(forms.Form):
    colour = forms.ChoiceField(choices=[("red", "Red")])
    day = forms.DateField()


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_djangos_form_messages_are_in_the_pages_written_standard(language: str) -> None:
    with translation.override(language):
        form = _Choice(data={"colour": "blue", "day": "31.02.2026"})
        assert not form.is_valid()
        text = " ".join(str(e) for errors in form.errors.values() for e in errors)
        assert other_standard_words(text, language) == [], text
        assert "blue" in text  # the message still names what was wrong


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_the_password_help_is_in_the_pages_written_standard(language: str) -> None:
    with translation.override(language):
        form = SetPasswordForm(User(), data={"new_password1": "a", "new_password2": "b"})
        help_text = str(form.fields["new_password2"].help_text)
        assert not form.is_valid()
        errors = " ".join(str(e) for e in form.errors.get("new_password2", []))
        assert other_standard_words(help_text + " " + errors, language) == [], help_text + errors


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_every_django_message_stafett_overrides_is_translated(language: str) -> None:
    with translation.override(language):
        for message in DJANGO_MESSAGES:
            translated = translation.gettext(message)
            assert translated != message, message
            assert other_standard_words(translated, language) == [], translated


def test_the_check_finds_the_other_standard() -> None:
    assert other_standard_words("Velg eit gyldig valg.", "nn") == ["valg", "Velg"]
    assert other_standard_words("Dette er ikkje rett.", "nb") == ["ikkje"]
    assert other_standard_words("Samtykket er gitt.", "nn") == []
