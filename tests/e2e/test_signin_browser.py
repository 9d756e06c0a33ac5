"""Issue 13: log-in in a real browser against a real OpenID provider on 127.0.0.1
(tests/signin/provider.py), in nynorsk. A guardian with ID-porten lands on the family
home; staff with Feide wait for the administrator's approval, then log in; and each
tampered or wrong answer is refused: the person is not logged in, reads a clear message,
and nothing changed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Browser, expect

from stafett.accounts.models import LoginFailureWindow, User
from stafett.audit.models import AccessLogEntry
from stafett.organisation.models import Membership
from stafett.signin import pid
from stafett.signin.models import ExternalIdentity, LinkRequest, Provider
from tests import factories as f
from tests.e2e.helpers import BrowserSession
from tests.signin.conftest import configure
from tests.signin.helpers import GUARDIAN_PID
from tests.signin.provider import OidcTestProvider, refused_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
HIGH = {"acr": "idporten-loa-high"}


class Family:
    def __init__(self) -> None:
        self.municipality = f.make_municipality("Testvik kommune")
        kind = f.make_service_kind(self.municipality, "Barnehage")
        self.unit = f.make_unit(self.municipality, "Solsida barnehage", kind)
        self.admin = f.make_user(
            self.municipality, username="admin", first_name="Astrid", is_municipal_admin=True
        )
        self.employee = f.make_user(self.municipality, username="eva", first_name="Eva")
        f.add_membership(self.employee, self.unit, Membership.Role.EMPLOYEE)
        self.guardian = f.make_user(
            self.municipality, kind=User.Kind.CITIZEN, username="gro", first_name="Gro"
        )
        self.child = f.make_subject(self.municipality, age=5, first_name="Mia")
        f.add_guardian(self.child, self.guardian)
        self.guardian.pid_hash = pid.keyed_hash(GUARDIAN_PID)
        self.guardian.pid_masked = pid.masked(GUARDIAN_PID)
        self.guardian.save()


@pytest.fixture
def idp() -> Iterator[OidcTestProvider]:
    provider = OidcTestProvider().start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def family(transactional_db: Any) -> Family:
    return Family()


def _provider(
    monkeypatch: Any, idp: OidcTestProvider, family: Family, server: str, kind: str, **kw: Any
) -> Provider:
    return configure(
        monkeypatch,
        idp,
        family.municipality,
        kind,
        redirect_uris=(f"{server}/login/callback/",),
        **kw,
    )


@pytest.fixture
def session(browser: Browser, live_server: Any) -> Iterator[BrowserSession]:
    s = BrowserSession(browser, str(live_server.url), "nn", PHONE)
    try:
        yield s
    finally:
        s.close()


def click_provider(session: BrowserSession, name: str, *, axe: bool = False) -> None:
    session.goto("/login/", axe=axe)
    label = session.t(
        "Log in with %(provider)s (%(municipality)s)", provider=name, municipality="Testvik kommune"
    )
    session.page.get_by_role("link", name=label).click()


def assert_not_logged_in(session: BrowserSession) -> None:
    response = session.page.goto(session.server + "/")
    assert response is not None
    expect(session.page).to_have_url(f"{session.server}/login/?next=/")
    session.check()


def assert_refused(session: BrowserSession, family: Family, message: str, logins: int = 0) -> None:
    expect(session.page.locator("h1")).to_have_text(session.t("You are not logged in"))
    expect(session.page.locator("[role=alert]")).to_contain_text(message)
    expect(session.page.locator("main")).to_contain_text(session.t("Nothing was changed."))
    session.check(axe=True)
    assert GUARDIAN_PID not in session.page.content()
    assert AccessLogEntry.objects.filter(action="login.succeeded").count() == logins
    assert not LinkRequest.objects.exists()
    assert not ExternalIdentity.objects.exists()
    family.guardian.refresh_from_db()
    assert family.guardian.pid_hash == pid.keyed_hash(GUARDIAN_PID)
    assert_not_logged_in(session)


def test_a_guardian_logs_in_with_idporten_lands_on_the_family_home_and_logs_out(
    session: BrowserSession, family: Family, idp: OidcTestProvider, monkeypatch: Any
) -> None:
    idp.next_claims = {"sub": "pairwise-gro", "pid": GUARDIAN_PID, **HIGH}
    _provider(monkeypatch, idp, family, session.server, Provider.Kind.IDPORTEN)
    click_provider(session, "ID-porten", axe=True)
    expect(session.page).to_have_url(f"{session.server}/")
    expect(session.page.locator("h1")).to_have_text(session.t("Welcome, %(name)s", name="Gro"))
    expect(session.page.locator("main")).to_contain_text("Mia")
    session.check(axe=True)
    assert GUARDIAN_PID not in session.page.content()

    session.page.get_by_role("button", name=session.t("Log out")).click()
    expect(session.page).to_have_url(re.compile(re.escape(f"{session.server}/login/?state=")))
    expect(session.page.locator("h1")).to_have_text(session.t("Log in"))
    session.check()
    assert session.page.url.endswith(idp.logouts[0]["state"])
    assert idp.logouts[0]["id_token_hint"].count(".") == 2
    assert idp.logouts[0]["post_logout_redirect_uri"] == f"{session.server}/login/"
    assert_not_logged_in(session)


def test_staff_wait_for_approval_then_log_in_with_feide_without_a_code(
    session: BrowserSession,
    family: Family,
    idp: OidcTestProvider,
    monkeypatch: Any,
    browser: Browser,
) -> None:
    idp.next_claims = {"sub": "feide-eva", "name": "Eva Tilsett", "email": "eva@x.test"}
    _provider(monkeypatch, idp, family, session.server, Provider.Kind.FEIDE)
    click_provider(session, "Feide")
    expect(session.page).to_have_url(f"{session.server}/login/waiting/")
    expect(session.page.locator("h1")).to_have_text(session.t("Waiting for approval"))
    session.check(axe=True)
    assert_not_logged_in(session)

    # The administrator approves on the municipality's log-in page (in nynorsk).
    admin = BrowserSession(browser, session.server, "nn", PHONE, user=family.admin)
    try:
        admin.goto("/municipality/sign-in/", axe=True)
        request = admin.page.locator("li", has_text="Eva Tilsett")
        request.get_by_label(admin.t("Staff account")).select_option(label="Eva Person")
        request.get_by_role("button", name=admin.t("Approve")).click()
        admin.saved(admin.t("The log-in is linked to %(name)s.", name="Eva Person"), axe=True)
    finally:
        admin.close()
    assert ExternalIdentity.objects.get().user_id == family.employee.pk

    click_provider(session, "Feide")
    expect(session.page).to_have_url(f"{session.server}/")
    expect(session.page.locator("h1")).to_have_text(session.t("Welcome, %(name)s", name="Eva"))
    session.check(axe=True)


COULD_NOT_CONFIRM = (
    "Stafett could not confirm the answer from %(provider)s, so you are not logged in. "
    "Start the log-in again. If this happens again, contact the municipality."
)
ANOTHER_WINDOW = (
    "The log-in took too long, or was started in another window or tab. Close the "
    "other windows and start the log-in again from this page."
)
NOT_HIGH = (
    "Stafett needs the highest security level in ID-porten. Log in again with "
    "BankID, Buypass or Commfides (not MinID)."
)


@pytest.mark.parametrize(
    ("misbehaviour", "message", "reason"),
    [
        ({"acr": "idporten-loa-substantial"}, NOT_HIGH, "acr"),
        ({"bad_signature": True}, COULD_NOT_CONFIRM, "signature"),
        ({"aud": "another-client"}, COULD_NOT_CONFIRM, "aud"),
        ({"state": "forged"}, ANOTHER_WINDOW, "state"),
    ],
    ids=["wrong-acr", "bad-signature", "wrong-aud", "mismatched-state"],
)
def test_a_wrong_answer_from_idporten_is_refused(
    session: BrowserSession,
    family: Family,
    idp: OidcTestProvider,
    monkeypatch: Any,
    misbehaviour: dict[str, Any],
    message: str,
    reason: str,
) -> None:
    idp.next_claims = {"sub": "pairwise-gro", "pid": GUARDIAN_PID, **HIGH}
    _provider(monkeypatch, idp, family, session.server, Provider.Kind.IDPORTEN)
    idp.misbehave.update(misbehaviour)
    click_provider(session, "ID-porten")
    assert_refused(session, family, session.t(message, provider="ID-porten"))
    provider_name = "OpenID Connect" if reason == "state" else "ID-porten"
    assert LoginFailureWindow.objects.filter(username=f"[{provider_name}: {reason}]").exists()
    if reason == "state":
        assert idp.token_requests == []


def test_a_replayed_nonce_is_refused(
    session: BrowserSession, family: Family, idp: OidcTestProvider, monkeypatch: Any
) -> None:
    idp.next_claims = {"sub": "pairwise-gro", "pid": GUARDIAN_PID, **HIGH}
    _provider(monkeypatch, idp, family, session.server, Provider.Kind.IDPORTEN)
    click_provider(session, "ID-porten")
    expect(session.page).to_have_url(f"{session.server}/")
    session.check()
    session.page.get_by_role("button", name=session.t("Log out")).click()
    expect(session.page.locator("h1")).to_have_text(session.t("Log in"))
    session.check()
    idp.misbehave["replay_nonce"] = True
    click_provider(session, "ID-porten")
    assert_refused(session, family, session.t(COULD_NOT_CONFIRM, provider="ID-porten"), logins=1)
    assert LoginFailureWindow.objects.filter(username="[ID-porten: nonce]").exists()


def test_a_log_in_whose_pkce_verifier_is_missing_is_refused(
    session: BrowserSession, family: Family, idp: OidcTestProvider, monkeypatch: Any
) -> None:
    idp.next_claims = {"sub": "pairwise-gro", "pid": GUARDIAN_PID, **HIGH}
    _provider(monkeypatch, idp, family, session.server, Provider.Kind.IDPORTEN)
    idp.misbehave["hold"] = True
    click_provider(session, "ID-porten")
    # At the provider's own page (not Stafett's, so not checked for nynorsk): the
    # verifier disappears from the log-in's server-side session meanwhile.
    expect(session.page.get_by_role("link", name="Continue")).to_be_visible()
    session.unchecked.clear()
    cookie = next(c for c in session.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    store = SessionStore(session_key=cookie["value"])
    flows = store["stafett_oidc_flows"]
    for flow in flows.values():
        del flow["verifier"]
    store["stafett_oidc_flows"] = flows
    store.save()
    session.page.get_by_role("link", name="Continue").click()
    assert_refused(session, family, session.t(ANOTHER_WINDOW))
    assert idp.token_requests == []
    assert LoginFailureWindow.objects.filter(username="[ID-porten: pkce]").exists()


def test_a_provider_that_is_down_shows_log_in_is_unavailable(
    session: BrowserSession, family: Family, idp: OidcTestProvider, monkeypatch: Any
) -> None:
    _provider(
        monkeypatch, idp, family, session.server, Provider.Kind.IDPORTEN, issuer=refused_port()
    )
    click_provider(session, "ID-porten")
    expect(session.page.locator("h1")).to_have_text(session.t("Log-in is unavailable"))
    expect(session.page.locator("main")).to_contain_text(
        session.t("Nothing was changed. Try again in a few minutes.")
    )
    session.check(axe=True)
    assert "Traceback" not in session.page.content()
    assert_not_logged_in(session)
