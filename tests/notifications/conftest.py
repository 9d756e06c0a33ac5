"""The relay log of tests/logs (Eva coordinates, Siri takes part, Gro consented) and
helpers to read e-mails whole: subject, text, HTML and attachments."""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from tests.family.conftest import asked_log  # noqa: F401 (fixtures)
from tests.logs.conftest import active_log, as_actor  # noqa: F401 (fixtures)

# Nothing of this may ever be in an e-mail: the child, the units, the texts written.
CONTENT = [
    "Mia",
    "Solsida",
    "Testvik skule",
    "barnehage",
    "Kontaktlærar",
    "Samarbeid",
    "SECRET",
]


def whole(message: EmailMessage) -> str:
    parts = [message.subject, str(message.body)]
    parts += [str(content) for content, _type in getattr(message, "alternatives", [])]
    for attachment in message.attachments:
        content = attachment[1] if isinstance(attachment, tuple) else attachment.get_payload()
        parts.append(content.decode() if isinstance(content, bytes) else str(content))
    return "\n".join(parts)


def assert_no_content(messages: list[EmailMessage]) -> None:
    assert messages, "expected e-mails"
    for message in messages:
        text = whole(message)
        for word in CONTENT:
            assert word not in text, f"{word!r} in an e-mail: {text}"


class Failures:
    """What the flaky test backend raises, in order; empty means send."""

    queue: list[BaseException] = []


class FlakyBackend(LocmemBackend):
    def send_messages(self, email_messages: Any) -> int:
        if Failures.queue:
            raise Failures.queue.pop(0)
        return int(super().send_messages(email_messages))


def fail_next(*errors: BaseException) -> None:
    Failures.queue = list(errors)


REFUSED = smtplib.SMTPRecipientsRefused({"x@example.test": (550, b"no such user")})
DOWN = smtplib.SMTPServerDisconnected("down")
