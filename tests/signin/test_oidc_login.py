"""Log-in through a real OpenID provider on 127.0.0.1 (tests/signin/provider.py), with
Django's test client: the checks on state, PKCE, nonce, signature, iss/aud/exp and acr,
the guardian found by the national identity number, staff linked by (issuer, subject)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from stafett.accounts.models import LoginFailureWindow, User
from stafett.audit.models import AccessLogEntry
from stafett.signin import pid
from stafett.signin.models import ExternalIdentity, LinkRequest, Provider
from tests.conftest import World
from tests.factories import login
from tests.signin.conftest import configure
from tests.signin.helpers import (
    GUARDIAN_PID,
    OTHER_PID,
    at_provider,
    back_at_stafett,
    log_in_with,
    logged_in_user_id,
    provider_redirect,
)
from tests.signin.provider import OidcTestProvider, refused_port

HIGH = {"acr": "idporten-loa-high"}


def register(user: User, number: str) -> None:
    user.pid_hash = pid.keyed_hash(number)
    user.pid_masked = pid.masked(number)
    user.save(update_fields=["pid_hash", "pid_masked"])


@pytest.fixture
def idporten(world: World, oidc: OidcTestProvider, monkeypatch: Any) -> Provider:
    register(world.guardian, GUARDIAN_PID)
    oidc.next_claims = {"sub": "pairwise-guardian", "pid": GUARDIAN_PID, **HIGH}
    return configure(monkeypatch, oidc, world.municipality, Provider.Kind.IDPORTEN)


def _content(response: Any) -> str:
    return str(response.content.decode())


def assert_refused(
    client: Client, response: Any, message: str, world: World, *, logins_before: int = 0
) -> None:
    """Not logged in, a clear message, and nothing changed but the failure count."""
    assert response.status_code == 403
    body = _content(response)
    assert "You are not logged in" in body
    assert message in body
    assert "Nothing was changed." in body
    assert GUARDIAN_PID not in body and GUARDIAN_PID[6:] not in body
    assert logged_in_user_id(client) is None
    assert not LinkRequest.objects.exists()
    assert not ExternalIdentity.objects.exists()
    assert AccessLogEntry.objects.filter(action="login.succeeded").count() == logins_before
    world.guardian.refresh_from_db()
    assert world.guardian.pid_hash == pid.keyed_hash(GUARDIAN_PID)
    # Home asks for a log-in.
    assert client.get(reverse("home:home")).status_code == 302


def failure_labels(world: World) -> list[str]:
    return list(
        LoginFailureWindow.objects.filter(municipality=world.municipality).values_list(
            "username", flat=True
        )
    )


COULD_NOT_CONFIRM = "Stafett could not confirm the answer from ID-porten"


# --- the guardian -----------------------------------------------------------------------


@pytest.mark.django_db
def test_guardian_logs_in_with_idporten_and_lands_on_the_family_home(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    response = log_in_with(client, idporten)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == "/"  # type: ignore[index]
    assert logged_in_user_id(client) == str(world.guardian.pk)
    home = client.get("/")
    assert world.child.first_name in _content(home)
    # What was asked of the provider: code flow, PKCE S256, state, nonce, loa-high.
    asked = oidc.authorize_requests[0]
    assert asked["response_type"] == "code"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert asked["acr_values"] == "idporten-loa-high"
    assert asked["state"] and asked["nonce"] and asked["state"] != asked["nonce"]
    assert oidc.token_requests[0]["code_verifier"]
    entry = AccessLogEntry.objects.get(action="login.succeeded")
    assert entry.actor_id == world.guardian.pk and entry.reason == "ID-porten"


@pytest.mark.django_db
def test_the_national_identity_number_is_never_in_a_page_url_or_the_access_log(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    location = provider_redirect(client, idporten)
    callback = at_provider(location)
    response = back_at_stafett(client, callback)
    assert GUARDIAN_PID not in location + callback + str(response["Location"])  # type: ignore[index]
    assert GUARDIAN_PID not in _content(client.get("/"))
    for row in AccessLogEntry.objects.values_list("reason", "action", "object_type"):
        assert GUARDIAN_PID not in " ".join(row)
    assert not User.objects.filter(pid_masked__contains=GUARDIAN_PID).exists()


@pytest.mark.django_db
def test_a_person_the_municipality_has_not_registered_is_not_logged_in(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.next_claims = {"sub": "pairwise-x", "pid": OTHER_PID, **HIGH}
    response = log_in_with(client, idporten)
    assert_refused(client, response, "the municipality has not registered you", world)
    assert "[ID-porten: not_registered]" in failure_labels(world)


# --- refusals: each check on the answer -------------------------------------------------


@pytest.mark.django_db
def test_a_lower_acr_is_refused(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.misbehave["acr"] = "idporten-loa-substantial"
    response = log_in_with(client, idporten)
    assert_refused(client, response, "Stafett needs the highest security level", world)
    assert "[ID-porten: acr]" in failure_labels(world)


@pytest.mark.django_db
def test_an_id_token_with_a_bad_signature_is_refused(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.misbehave["bad_signature"] = True
    response = log_in_with(client, idporten)
    assert_refused(client, response, COULD_NOT_CONFIRM, world)
    assert "[ID-porten: signature]" in failure_labels(world)


@pytest.mark.django_db
def test_an_id_token_for_another_audience_is_refused(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.misbehave["aud"] = "some-other-client"
    response = log_in_with(client, idporten)
    assert_refused(client, response, COULD_NOT_CONFIRM, world)
    assert "[ID-porten: aud]" in failure_labels(world)


@pytest.mark.django_db
def test_an_id_token_from_another_issuer_is_refused(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.misbehave["iss"] = "https://idporten.no"
    response = log_in_with(client, idporten)
    assert_refused(client, response, COULD_NOT_CONFIRM, world)
    assert "[ID-porten: iss]" in failure_labels(world)


@pytest.mark.django_db
def test_an_expired_id_token_is_refused(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.misbehave["expired"] = True
    response = log_in_with(client, idporten)
    assert_refused(client, response, COULD_NOT_CONFIRM, world)
    assert "[ID-porten: exp]" in failure_labels(world)


@pytest.mark.django_db
def test_cancelling_at_the_provider_says_so(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.misbehave["deny"] = True
    response = log_in_with(client, idporten)
    assert_refused(client, response, "ID-porten stopped the log-in", world)
    assert oidc.token_requests == []


@pytest.mark.django_db
def test_a_replayed_nonce_is_refused(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    # A first, good log-in and log-out; then the provider answers with that old nonce.
    log_in_with(client, idporten)
    assert logged_in_user_id(client) == str(world.guardian.pk)
    client.post(reverse("accounts:logout"))
    assert logged_in_user_id(client) is None
    oidc.misbehave["replay_nonce"] = True
    response = log_in_with(client, idporten)
    assert_refused(client, response, COULD_NOT_CONFIRM, world, logins_before=1)
    assert "[ID-porten: nonce]" in failure_labels(world)


@pytest.mark.django_db
def test_a_mismatched_state_is_refused_before_the_code_is_used(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    oidc.misbehave["state"] = "forged-state"
    response = log_in_with(client, idporten)
    assert_refused(client, response, "started in another window or tab", world)
    assert oidc.token_requests == []
    # Before the state matches, the provider (and its municipality) is not known.
    assert LoginFailureWindow.objects.filter(
        username="[OpenID Connect: state]", municipality=None
    ).exists()


@pytest.mark.django_db
def test_a_state_is_used_once(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    callback = at_provider(provider_redirect(client, idporten))
    back_at_stafett(client, callback)
    client.post(reverse("accounts:logout"))
    again = back_at_stafett(client, callback)
    assert again.status_code == 403  # type: ignore[attr-defined]
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_a_flow_without_its_pkce_verifier_is_refused(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    callback = at_provider(provider_redirect(client, idporten))
    session = client.session
    flows = session["stafett_oidc_flows"]
    for flow in flows.values():
        flow.pop("verifier")
    session["stafett_oidc_flows"] = flows
    session.save()
    response = back_at_stafett(client, callback)
    assert_refused(client, response, "started in another window or tab", world)
    assert oidc.token_requests == []
    assert "[ID-porten: pkce]" in failure_labels(world)


@pytest.mark.django_db
def test_a_code_injected_from_another_log_in_fails_the_pkce_check(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    """The attacker's code (bound to the attacker's verifier) in the victim's callback."""
    attacker = Client()
    attacker_callback = at_provider(provider_redirect(attacker, idporten))
    victim_callback = at_provider(provider_redirect(client, idporten))
    attacker_code = parse_qs(urlsplit(attacker_callback).query)["code"][0]
    victim_state = parse_qs(urlsplit(victim_callback).query)["state"][0]
    response = client.get(
        reverse("signin:callback"), {"state": victim_state, "code": attacker_code}
    )
    assert_refused(client, response, COULD_NOT_CONFIRM, world)
    assert oidc.token_errors == ["invalid_grant"]
    assert "[ID-porten: token]" in failure_labels(world)


# --- the provider is down ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_provider_that_refuses_connections_shows_log_in_is_unavailable(
    client: Client, world: World, oidc: OidcTestProvider, monkeypatch: Any
) -> None:
    down = configure(
        monkeypatch, oidc, world.municipality, Provider.Kind.IDPORTEN, issuer=refused_port()
    )
    response = client.get(reverse("signin:start", kwargs={"provider": down.uuid}))
    assert response.status_code == 503
    body = _content(response)
    assert "Log-in is unavailable" in body
    assert "Stafett cannot reach ID-porten just now" in body
    assert "Traceback" not in body and "ConnectionError" not in body
    assert logged_in_user_id(client) is None
    # Nothing else breaks: the log-in page (with its buttons) and the password log-in.
    login_page = client.get(reverse("accounts:login"))
    assert login_page.status_code == 200
    assert "Log in with ID-porten" in _content(login_page)
    assert client.get(reverse("healthz")).status_code == 200
    login(client, world.employee)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_provider_that_goes_down_between_start_and_callback_shows_unavailable(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    callback = at_provider(provider_redirect(client, idporten))
    Provider.objects.filter(pk=idporten.pk).update(issuer=refused_port())
    response = back_at_stafett(client, callback)
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert "Log-in is unavailable" in _content(response)
    assert logged_in_user_id(client) is None


# --- log-out --------------------------------------------------------------------------


@pytest.mark.django_db
def test_log_out_ends_the_session_and_the_providers_with_an_id_token_hint(
    client: Client, world: World, idporten: Provider, oidc: OidcTestProvider
) -> None:
    log_in_with(client, idporten)
    # The pages let the log-out form lead on to this provider only (their CSP).
    csp = client.get("/")["Content-Security-Policy"]
    assert f"form-action 'self' {oidc.issuer};" in csp
    response = client.post(reverse("accounts:logout"))
    assert logged_in_user_id(client) is None
    location = str(response["Location"])
    assert location.startswith(f"{oidc.issuer}/logout?")
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/"]
    assert query["id_token_hint"][0].count(".") == 2


@pytest.mark.django_db
def test_password_log_out_stays_at_stafett(client: Client, world: World) -> None:
    login(client, world.guardian)
    assert "form-action 'self';" in client.get("/")["Content-Security-Policy"]
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")


# --- staff: Feide and Entra ID ------------------------------------------------------------


@pytest.fixture
def feide(world: World, oidc: OidcTestProvider, monkeypatch: Any) -> Provider:
    oidc.next_claims = {"sub": "employee-at-feide", "name": "Eva Tilsett", "email": "eva@x.test"}
    return configure(monkeypatch, oidc, world.municipality, Provider.Kind.FEIDE)


@pytest.mark.django_db
def test_staff_first_log_in_waits_for_the_administrator_then_logs_in(
    client: Client, world: World, feide: Provider, oidc: OidcTestProvider
) -> None:
    response = log_in_with(client, feide)
    assert response["Location"] == reverse("signin:waiting")  # type: ignore[index]
    waiting = client.get(reverse("signin:waiting"))
    assert "Waiting for approval" in _content(waiting)
    assert logged_in_user_id(client) is None
    link = LinkRequest.objects.get()
    assert (link.issuer, link.subject, link.status) == (oidc.issuer, "employee-at-feide", "pending")

    admin = Client()
    login(admin, world.admin)
    page = admin.get(reverse("signin:manage"))
    assert "Eva Tilsett" in _content(page)
    admin.post(
        reverse("signin:link_decide", kwargs={"link": link.uuid}),
        {"decision": "approve", f"{link.uuid}-account": world.employee.pk},
    )
    identity = ExternalIdentity.objects.get()
    assert identity.user_id == world.employee.pk

    again = log_in_with(client, feide)
    assert again["Location"] == "/"  # type: ignore[index]
    assert logged_in_user_id(client) == str(world.employee.pk)
    # The provider's log-in counts as the second factor: no code page.
    home = client.get("/")
    assert home.status_code == 200


@pytest.mark.django_db
def test_a_refused_link_keeps_the_person_out(
    client: Client, world: World, feide: Provider, oidc: OidcTestProvider
) -> None:
    log_in_with(client, feide)
    link = LinkRequest.objects.get()
    admin = Client()
    login(admin, world.admin)
    admin.post(reverse("signin:link_decide", kwargs={"link": link.uuid}), {"decision": "refuse"})
    response = log_in_with(client, feide)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "has not approved this log-in" in _content(response)
    assert logged_in_user_id(client) is None
    assert not ExternalIdentity.objects.exists()


@pytest.mark.django_db
def test_the_same_subject_from_two_issuers_is_two_identities(
    client: Client, world: World, oidc: OidcTestProvider, monkeypatch: Any
) -> None:
    second = OidcTestProvider().start()
    try:
        oidc.next_claims = second.next_claims = {"sub": "same-subject", "name": "Eva"}
        feide = configure(monkeypatch, oidc, world.municipality, Provider.Kind.FEIDE)
        entra = configure(monkeypatch, second, world.municipality, Provider.Kind.ENTRA)
        log_in_with(client, feide)
        link = LinkRequest.objects.get()
        admin = Client()
        login(admin, world.admin)
        admin.post(
            reverse("signin:link_decide", kwargs={"link": link.uuid}),
            {"decision": "approve", f"{link.uuid}-account": world.employee.pk},
        )
        # The same subject at Entra ID is not the approved Feide identity.
        response = log_in_with(Client(), entra)
        assert response["Location"] == reverse("signin:waiting")  # type: ignore[index]
        assert LinkRequest.objects.count() == 2
        assert set(LinkRequest.objects.values_list("issuer", flat=True)) == {
            oidc.issuer,
            second.issuer,
        }
        assert ExternalIdentity.objects.count() == 1
    finally:
        second.stop()


@pytest.mark.django_db
def test_entra_authentication_context_is_asked_for_and_checked_in_acrs(
    client: Client, world: World, oidc: OidcTestProvider, monkeypatch: Any
) -> None:
    entra = configure(monkeypatch, oidc, world.municipality, Provider.Kind.ENTRA, required_acr="c1")
    oidc.next_claims = {"sub": "entra-sub", "acrs": ["c2"]}
    response = log_in_with(client, entra)
    assert oidc.authorize_requests[0]["claims"] == (
        '{"id_token":{"acrs":{"essential":true,"value":"c1"}}}'
    )
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "Stafett needs a stronger log-in" in _content(response)
    assert not LinkRequest.objects.exists()
    oidc.next_claims = {"sub": "entra-sub", "acrs": ["c1", "c2"]}
    ok = log_in_with(client, entra)
    assert ok["Location"] == reverse("signin:waiting")  # type: ignore[index]


# --- the password log-in, switched off -------------------------------------------------------


@pytest.mark.django_db
def test_password_log_in_switched_off_refuses_all_but_break_glass(
    client: Client, world: World
) -> None:
    world.municipality.local_login_enabled = False
    world.municipality.save()
    response = client.post(
        reverse("accounts:login"),
        {"username": "employee", "password": "correct horse battery staple"},
    )
    assert response.status_code == 403
    assert "no longer lets this account log in with a password" in _content(response)
    assert logged_in_user_id(client) is None
    assert AccessLogEntry.objects.filter(action="login.refused", actor=world.employee).exists()

    world.admin.is_break_glass = True
    world.admin.save()
    ok = client.post(
        reverse("accounts:login"), {"username": "admin", "password": "correct horse battery staple"}
    )
    assert ok.status_code == 302
    assert ok["Location"] == reverse("accounts:code")
    assert logged_in_user_id(client) == str(world.admin.pk)


@pytest.mark.django_db
def test_the_administrator_switches_the_password_log_in_off(world: World) -> None:
    admin = Client()
    login(admin, world.admin)
    response = admin.post(reverse("signin:manage"), {"form": "local"})
    assert response.status_code == 302
    world.municipality.refresh_from_db()
    assert world.municipality.local_login_enabled is False
    assert AccessLogEntry.objects.filter(action="signin.local_login_off").exists()
    # Other municipalities keep theirs.
    world.other_municipality.refresh_from_db()
    assert world.other_municipality.local_login_enabled is True
