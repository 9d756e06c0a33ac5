"""A small, real OpenID Connect provider for the tests, on 127.0.0.1 in a thread.

It speaks HTTP like ID-porten, Feide or Entra ID do: discovery, JWKS, authorize (the
person is already "logged in" as `next_claims`), token (client secret, single-use codes,
redirect URI and PKCE S256 checked) and end_session. ID tokens are signed with RS256
through joserfc, Authlib's JOSE library.

Why not a package: oidc-provider-mock 0.3.4 installs and runs on Python 3.11, but it
cannot be made to misbehave the way these tests need (sign with a key it does not
publish, name another audience, repeat an old nonce), and pytest-iam brings a whole
identity server (Canaille). The refusals are the point of the tests, so the provider
is written here, in about 200 lines, and each misbehaviour is one switch in `misbehave`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

KID = "test-key-1"


@dataclass
class Client:
    secret: str
    redirect_uris: set[str] = field(default_factory=set)


class OidcTestProvider:
    """Start with `start()`, stop with `stop()`; `issuer` is its base URL."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        # Same kid, never published: a token signed with it has a bad signature.
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.clients: dict[str, Client] = {}
        self.next_claims: dict[str, Any] = {}
        # Switches: acr, aud, iss, bad_signature, expired, replay_nonce, state, hold, deny.
        self.misbehave: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.nonces: list[str] = []
        self.token_requests: list[dict[str, str]] = []
        self.token_errors: list[str] = []
        self.authorize_requests: list[dict[str, str]] = []
        self.logouts: list[dict[str, str]] = []
        self.held_redirect = ""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> OidcTestProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_client(self, client_id: str, secret: str, redirect_uri: str) -> None:
        self.clients.setdefault(client_id, Client(secret)).redirect_uris.add(redirect_uri)

    # --- what the endpoints do ---------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ["idporten-loa-substantial", "idporten-loa-high"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        self.authorize_requests.append(dict(query))
        client = self.clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            return 400, {}, "unknown client or redirect_uri"
        params: dict[str, str] = {"iss": self.issuer}
        state = query.get("state", "")
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            params["error"] = "unsupported_response_type"
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            params["error"] = "invalid_request"
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "client_id": query["client_id"],
                "redirect_uri": redirect_uri,
                "nonce": query.get("nonce", ""),
                "challenge": query["code_challenge"],
                "claims": dict(self.next_claims),
                "at": time.time(),
            }
            params["code"] = code
        if self.misbehave.get("deny"):
            # The person pressed "Cancel" at the provider.
            params = {"iss": self.issuer, "error": "access_denied"}
        params["state"] = self.misbehave.get("state", state)
        location = redirect_uri + "?" + urlencode(params)
        if self.misbehave.get("hold"):
            # The person stays on the provider's page until the test lets them go on.
            self.held_redirect = location
            return 200, {"Content-Type": "text/html"}, f'<a href="{location}">Continue</a>'
        return 302, {"Location": location}, ""

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append({k: v for k, v in form.items() if k != "client_secret"})
        client_id, secret = _basic(authorization)
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.secret, secret):
            return self._error(401, "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return self._error(400, "unsupported_grant_type")
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant["client_id"] != client_id:
            return self._error(400, "invalid_grant")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._error(400, "invalid_grant")
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if not verifier or challenge != grant["challenge"]:
            return self._error(400, "invalid_grant")
        now = int(time.time())
        nonce = grant["nonce"]
        if self.misbehave.get("replay_nonce") and self.nonces:
            nonce = self.nonces[-1]
        self.nonces.append(grant["nonce"])
        issued = now - 900 if self.misbehave.get("expired") else now
        claims: dict[str, Any] = {
            "iss": self.misbehave.get("iss", self.issuer),
            "aud": self.misbehave.get("aud", client_id),
            "exp": issued + 120,
            "iat": issued,
            "nonce": nonce,
            **grant["claims"],
        }
        if "acr" in self.misbehave:
            claims["acr"] = self.misbehave["acr"]
        key = self.other_key if self.misbehave.get("bad_signature") else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": KID}, claims, key)
        return 200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 120,
            "id_token": id_token,
        }

    def _error(self, status: int, error: str) -> tuple[int, dict[str, Any]]:
        self.token_errors.append(error)
        return status, {"error": error}

    def logout(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        self.logouts.append(dict(query))
        target = query.get("post_logout_redirect_uri", "")
        if not target:
            return 200, {"Content-Type": "text/html"}, "Logged out"
        return 302, {"Location": target + "?" + urlencode({"state": query.get("state", "")})}, ""


def _basic(header: str) -> tuple[str, str]:
    if not header.startswith("Basic "):
        return "", ""
    try:
        decoded = base64.b64decode(header[6:]).decode()
    except ValueError:
        return "", ""
    client_id, _, secret = decoded.partition(":")
    from urllib.parse import unquote_plus

    return unquote_plus(client_id), unquote_plus(secret)


def _handler_for(provider: OidcTestProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, headers: dict[str, str], body: str) -> None:
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, {"Content-Type": "application/json"}, json.dumps(data))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, provider.metadata())
            elif parts.path == "/jwks":
                self._json(200, {"keys": [provider.key.as_dict(private=False)]})
            elif parts.path == "/authorize":
                self._send(*provider.authorize(query))
            elif parts.path == "/logout":
                self._send(*provider.logout(query))
            else:
                self._send(404, {}, "not found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if urlsplit(self.path).path == "/token":
                self._json(*provider.token(form, self.headers.get("Authorization", "")))
            else:
                self._send(404, {}, "not found")

    return Handler


def refused_port() -> str:
    """An address on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
