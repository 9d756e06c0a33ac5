"""Text that arrives through the API: checked before any service sees it.

Refused with a clear message (422), never stored: NUL and other control characters,
lone surrogates (which no database can store), the bidirectional override and isolate
characters that make text read differently from what it stores ("Trojan source"), and
non-characters. Accepted text is normalised to NFC, so that "å" typed two ways is one
name."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field

BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
MULTILINE_OK = frozenset("\n\r\t")
LINE_MAX = 200
TEXT_MAX = 20000


def _check(value: str, *, multiline: bool, limit: int) -> str:
    for char in value:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError(_("The text contains a broken character (a lone surrogate)."))
        if char in BIDI_CONTROLS:
            raise ValueError(_("The text contains a character that changes the reading direction."))
        if (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            raise ValueError(_("The text contains a character that is not a character."))
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in MULTILINE_OK):
            raise ValueError(_("The text contains a control character."))
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > limit:
        raise ValueError(
            _("The text is too long (at most %(limit)s characters).") % {"limit": limit}
        )
    return value


def _line(value: str) -> str:
    return _check(value, multiline=False, limit=LINE_MAX)


def _text(value: str) -> str:
    return _check(value, multiline=True, limit=TEXT_MAX)


# One line (a title, a place); the length is checked after normalising.
Line = Annotated[str, Field(max_length=LINE_MAX), AfterValidator(_line)]
# Running text (a note, minutes).
Text = Annotated[str, Field(max_length=TEXT_MAX), AfterValidator(_text)]
