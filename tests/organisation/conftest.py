"""Organisation tests read the pages in English, so that assertions on words do not
break when the lead adds the nynorsk and bokmål translations."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from stafett.accounts.models import User


@pytest.fixture
def sign_in(login_as: Any) -> Any:
    def _sign_in(user: User | None) -> Client:
        client: Client = login_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _sign_in


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
