"""The Norwegian national identity number (fødselsnummer, d-nummer): checked, hashed, masked.

Stafett never stores the number itself: only an HMAC-SHA256 with STAFETT_PID_KEY (to
find the person when ID-porten sends the `pid` claim) and a masked form the
municipality can recognise (birth date and the last two digits hidden: 010203 *****).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    value = 11 - remainder
    if value == 11:
        return 0
    if value == 10:
        return None
    return value


def normalise(value: str) -> str:
    """Keep the digits: people type spaces, dots or a dash between date and number."""
    return "".join(ch for ch in value if not ch.isspace() and ch not in ".-")


def validate(value: str) -> str:
    """The number's 11 digits, or ValidationError with a clear message (mod-11 checked)."""
    number = normalise(value)
    if len(number) != 11 or not number.isascii() or not number.isdigit():
        raise ValidationError(
            _("A national identity number has 11 digits. Check the number and try again."),
            code="length",
        )
    first = _check_digit(number[:9], _WEIGHTS_1)
    second = _check_digit(number[:10], _WEIGHTS_2)
    if first is None or second is None or int(number[9]) != first or int(number[10]) != second:
        raise ValidationError(
            _(
                "This is not a valid national identity number: the check digits do not "
                "match. Check each digit and try again."
            ),
            code="checksum",
        )
    return number


def keyed_hash(number: str) -> str:
    """HMAC-SHA256 of the 11 digits with STAFETT_PID_KEY (hex)."""
    key = settings.STAFETT_PID_KEY.encode()
    return hmac.new(key, normalise(number).encode(), hashlib.sha256).hexdigest()


def masked(number: str) -> str:
    """The six first digits (the birth date, or a d-number's) and the rest hidden."""
    return f"{normalise(number)[:6]} *****"
