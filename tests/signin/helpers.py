"""Drive a log-in through the test provider with Django's test client."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.test import Client
from django.urls import reverse

from stafett.signin.models import Provider

# Valid national identity numbers (mod-11), invented for the tests.
GUARDIAN_PID = "01019010046"
YOUTH_PID = "15061210110"
OTHER_PID = "23037510084"


def provider_redirect(client: Client, provider: Provider) -> str:
    """Start the log-in; the provider's authorization URL Stafett sent the browser to."""
    response = client.get(reverse("signin:start", kwargs={"provider": provider.uuid}))
    assert response.status_code == 302, response.content[:500]
    location = str(response["Location"])
    assert location.startswith(provider.issuer), location
    return location


def at_provider(location: str) -> str:
    """The person at the provider (already logged in there): where it sends them back."""
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


def back_at_stafett(client: Client, callback: str) -> object:
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def log_in_with(client: Client, provider: Provider) -> object:
    """The whole round trip; the callback's response."""
    return back_at_stafett(client, at_provider(provider_redirect(client, provider)))


def logged_in_user_id(client: Client) -> str | None:
    value = client.session.get("_auth_user_id")
    return str(value) if value is not None else None
