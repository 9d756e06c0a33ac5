"""The OpenID Connect client: authorization code flow with PKCE, state and nonce.

Built on Authlib: `OAuth2Session` makes the authorization URL (with the S256 code
challenge) and exchanges the code with the verifier; joserfc (Authlib's JOSE library)
checks the ID token's signature against the provider's JWKS and its claims. Each check
the ID-porten guide asks for is written out here, in `check_id_token`, rather than left to
a framework default:

- `state`: one random value per log-in, kept in the session and removed at the callback
  (single use); a callback with any other state is refused before the code is used.
- PKCE: a random verifier per log-in, its S256 challenge sent to the provider; the
  verifier is sent only with the code exchange. A flow without a verifier is refused.
- `nonce`: one random value per log-in, kept with the state; the ID token must carry it.
  Since the flow is removed at the callback, an ID token (or nonce) replayed later finds
  no flow that expects it.
- signature (keys from the provider's `jwks_uri`, asymmetric algorithms only), `iss`
  (the provider's issuer), `aud` (our client id; `azp` when there are several), `exp`
  and `iat` (a minute's leeway), `sub`.
- assurance: ID-porten's `acr` must be `idporten-loa-high` (or the provider's
  `required_acr`); Entra ID's `acrs` must hold the required authentication context;
  Feide's `acr` must equal `required_acr` when set.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from stafett.signin.models import Provider

SESSION_FLOWS = "stafett_oidc_flows"
# What log-out needs: the provider's end_session_endpoint and the ID token to hint with.
SESSION_LOGOUT = "stafett_oidc_logout"
FLOW_SECONDS = 600
MAX_FLOWS = 5
LEEWAY_SECONDS = 60
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
IDPORTEN_HIGH = "idporten-loa-high"


class ProviderUnavailable(Exception):
    """The provider did not answer (or answered nonsense): log-in is unavailable."""


class LoginRefused(Exception):
    """The answer from the provider is not accepted. `reason` is a short code for the
    records (never a claim's value); the page says what the person can do."""

    def __init__(self, reason: str, provider: Provider | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider = provider


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


@dataclass(frozen=True)
class Completed:
    provider: Provider
    claims: dict[str, Any]
    id_token: str
    end_session_endpoint: str
    next_url: str


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


def secret_name(provider: Provider) -> str:
    slug = provider.municipality.slug.upper().replace("-", "_")
    return f"STAFETT_OIDC_SECRET_{slug}_{provider.kind.upper()}"


def client_secret(provider: Provider) -> str:
    """From the environment, else from a file in STAFETT_OIDC_SECRETS_DIR; never the DB."""
    value = os.environ.get(secret_name(provider))
    if value:
        return value
    directory = settings.STAFETT_OIDC_SECRETS_DIR
    if directory:
        path = Path(directory) / f"{provider.municipality.slug}-{provider.kind}"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    raise ImproperlyConfigured(
        f"No client secret for {provider.kind} of {provider.municipality.slug}: set "
        f"{secret_name(provider)} or a file in STAFETT_OIDC_SECRETS_DIR."
    )


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.STAFETT_OIDC_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(type(error).__name__) from error
    if not isinstance(data, dict):
        raise ProviderUnavailable("not an object")
    return data


def discover(provider: Provider) -> Metadata:
    """The provider's metadata (read at each log-in: providers rotate keys and move)."""
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    data = _get_json(url)
    try:
        metadata = Metadata(
            issuer=str(data["issuer"]),
            authorization_endpoint=str(data["authorization_endpoint"]),
            token_endpoint=str(data["token_endpoint"]),
            jwks_uri=str(data["jwks_uri"]),
            end_session_endpoint=str(data.get("end_session_endpoint") or ""),
        )
    except KeyError as error:
        raise ProviderUnavailable("incomplete metadata") from error
    if metadata.issuer.rstrip("/") != provider.issuer.rstrip("/"):
        # Discovery must describe the issuer we were configured with (OIDC Discovery 4.3).
        raise ProviderUnavailable("issuer mismatch")
    return metadata


def _session(provider: Provider, redirect_uri: str, *, with_secret: bool) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret(provider) if with_secret else None,
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name)
        redirect_uri=redirect_uri,
        scope="openid profile",
        code_challenge_method="S256",
    )


# ---------------------------------------------------------------------------
# The two legs of the flow
# ---------------------------------------------------------------------------


def _flows(request: HttpRequest) -> dict[str, dict[str, Any]]:
    flows: dict[str, dict[str, Any]] = request.session.get(SESSION_FLOWS, {})
    now = time.time()
    return {k: v for k, v in flows.items() if now - float(v.get("at", 0)) < FLOW_SECONDS}


def begin(request: HttpRequest, provider: Provider, redirect_uri: str, next_url: str) -> str:
    """Remember a new flow in the session and return the provider's authorization URL."""
    metadata = discover(provider)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    extra: dict[str, Any] = {"nonce": nonce}
    if provider.kind == Provider.Kind.IDPORTEN:
        extra["acr_values"] = provider.required_acr or IDPORTEN_HIGH
        extra["ui_locales"] = "nn nb"
    elif provider.kind == Provider.Kind.ENTRA and provider.required_acr:
        # Entra ID asks for an authentication context through the `claims` parameter and
        # answers with the `acrs` claim (checked in check_id_token).
        extra["claims"] = (
            '{"id_token":{"acrs":{"essential":true,"value":"' + provider.required_acr + '"}}}'
        )
    elif provider.required_acr:
        extra["acr_values"] = provider.required_acr
    client = _session(provider, redirect_uri, with_secret=False)
    url, _state = client.create_authorization_url(
        metadata.authorization_endpoint, state=state, code_verifier=verifier, **extra
    )
    flows = _flows(request)
    while len(flows) >= MAX_FLOWS:
        flows.pop(min(flows, key=lambda k: float(flows[k]["at"])))
    flows[state] = {
        "provider": provider.pk,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "redirect_uri": redirect_uri,
        "at": time.time(),
    }
    request.session[SESSION_FLOWS] = flows
    return str(url)


def take_flow(request: HttpRequest, state: str) -> dict[str, Any]:
    """The flow this state belongs to, removed from the session (single use)."""
    flows = _flows(request)
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_FLOWS] = flows
    if flow is None:
        raise LoginRefused("state")
    return flow


def finish(request: HttpRequest, params: dict[str, str]) -> Completed:
    """Check the callback, exchange the code and check the ID token."""
    flow = take_flow(request, params.get("state", ""))
    provider = (
        Provider.objects.select_related("municipality")
        .filter(pk=flow["provider"], is_active=True)
        .first()
    )
    if provider is None:
        raise LoginRefused("provider")
    if params.get("error"):
        raise LoginRefused("provider_error", provider)
    code = params.get("code", "")
    verifier = str(flow.get("verifier") or "")
    if not code:
        raise LoginRefused("code", provider)
    if not verifier:
        raise LoginRefused("pkce", provider)
    metadata = discover(provider)
    client = _session(provider, str(flow["redirect_uri"]), with_secret=True)
    try:
        token = client.fetch_token(
            metadata.token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            timeout=settings.STAFETT_OIDC_TIMEOUT_SECONDS,
        )
    except OAuthError as error:
        # The provider refused the code: e.g. a wrong or missing PKCE verifier.
        raise LoginRefused("token", provider) from error
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(type(error).__name__) from error
    id_token = str(token.get("id_token") or "")
    if not id_token:
        raise LoginRefused("id_token", provider)
    keys = KeySet.import_key_set(_get_json(metadata.jwks_uri))  # type: ignore[arg-type]
    claims = check_id_token(
        id_token, keys=keys, provider=provider, issuer=metadata.issuer, nonce=str(flow["nonce"])
    )
    return Completed(
        provider=provider,
        claims=claims,
        id_token=id_token,
        end_session_endpoint=metadata.end_session_endpoint,
        next_url=str(flow.get("next") or ""),
    )


def check_id_token(
    id_token: str, *, keys: KeySet, provider: Provider, issuer: str, nonce: str
) -> dict[str, Any]:
    """Every check on the ID token; LoginRefused names the first that fails."""
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except JoseError as error:
        raise LoginRefused("signature", provider) from error
    claims: dict[str, Any] = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        sub={"essential": True},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        claim = str(getattr(error, "claim", "") or "")
        if claim not in {"iss", "sub", "aud", "exp", "iat", "nonce"}:
            claim = "claims"
        raise LoginRefused(claim, provider) from error
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise LoginRefused("aud", provider)
    check_assurance(claims, provider)
    return claims


def check_assurance(claims: dict[str, Any], provider: Provider) -> None:
    if provider.kind == Provider.Kind.IDPORTEN:
        if claims.get("acr") != (provider.required_acr or IDPORTEN_HIGH):
            raise LoginRefused("acr", provider)
        if not isinstance(claims.get("pid"), str):
            raise LoginRefused("pid", provider)
    elif provider.kind == Provider.Kind.ENTRA:
        if provider.required_acr:
            contexts = claims.get("acrs")
            if not isinstance(contexts, list) or provider.required_acr not in contexts:
                raise LoginRefused("acr", provider)
    elif provider.required_acr and claims.get("acr") != provider.required_acr:
        raise LoginRefused("acr", provider)


def logout_url(data: dict[str, str], post_logout_redirect_uri: str) -> str | None:
    """RP-initiated log-out at the provider, when it has an end_session_endpoint."""
    endpoint = data.get("end_session_endpoint", "")
    if not endpoint:
        return None
    from urllib.parse import urlencode

    query = urlencode(
        {
            "id_token_hint": data.get("id_token", ""),
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "state": secrets.token_urlsafe(16),
        }
    )
    return endpoint + ("&" if "?" in endpoint else "?") + query
