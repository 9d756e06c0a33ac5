"""The Fiks platform's HTTP boundary: Maskinporten tokens and the requests Stafett makes.

Real:
- Maskinporten's JWT grant (RFC 7523): a JWT signed with the organisation's key (RS256)
  is exchanged for an access token with the scope `ks:fiks`; tokens are reused until
  shortly before they expire.
- Every call to Fiks carries `Authorization: Bearer <token>`, `IntegrasjonId` and
  `IntegrasjonPassord`, as KS's clients do.
- Fiks bekymringsmelding's REST API (v2): offices, encryption keys, sending, status.

Fiks IO (which Fiks Arkiv runs on): sending is HTTP in Fiks IO too, and `FiksIO.send`
posts to the same path as KS's send clients (`/fiks-io/api/v1/send`, multipart
`metadata` + `data`, answered with `meldingId`). Two documented simplifications, kept in
this one small class: the payload is a plain ZIP, where Fiks IO expects an ASiC-E
container encrypted for the receiver's Fiks IO certificate (fetched from Fiks IO's
catalogue); and the answers (receipts, errors) are fetched by an HTTP poll
(`FiksIO.receive`), where Fiks IO delivers them over AMQP. The tests' fake Fiks answers
both. A production connection replaces `receive` with an AMQP consumer and encrypts
`data`.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from stafett.delivery.config import FiksConfig
from stafett.delivery.submission import TransportError

TIMEOUT = 30
SCOPE = "ks:fiks"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_jwt(claims: Mapping[str, Any], key_pem: str, kid: str = "") -> str:
    """A JWS compact token signed RS256 with the PEM private key."""
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TransportError("The Maskinporten key must be an RSA key.")
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
    )
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64url(signature)


def _request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise TransportError("Only http(s) addresses are used.")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=data, method=method, headers=dict(headers or {})
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as error:
        raise TransportError(f"HTTP {error.code} from {method} {_path(url)}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TransportError(f"{type(error).__name__} on {method} {_path(url)}") from None


def _path(url: str) -> str:
    return urllib.parse.urlparse(url).path[:120]


class Maskinporten:
    """Access tokens by the JWT grant, cached until 30 seconds before they expire."""

    def __init__(self, config: FiksConfig) -> None:
        self.config = config
        self._token = ""
        self._expires = 0.0
        self._lock = threading.Lock()

    def assertion(self, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "aud": self.config.maskinporten_audience or self.config.maskinporten_token_url,
            "iss": self.config.maskinporten_client_id,
            "scope": SCOPE,
            "iat": issued,
            "exp": issued + 100,
            "jti": str(uuid.uuid4()),
        }
        return signed_jwt(claims, self.config.maskinporten_key_pem, self.config.maskinporten_kid)

    def token(self) -> str:
        with self._lock:
            if self._token and time.time() < self._expires - 30:
                return self._token
            body = urllib.parse.urlencode(
                {
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": self.assertion(),
                }
            ).encode()
            answer = _request(
                self.config.maskinporten_token_url,
                method="POST",
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            try:
                data = json.loads(answer)
                self._token = str(data["access_token"])
                self._expires = time.time() + int(data.get("expires_in", 120))
            except (ValueError, KeyError, TypeError):
                raise TransportError("Maskinporten answered without a token.") from None
            return self._token


_clients: dict[FiksConfig, Maskinporten] = {}
_clients_lock = threading.Lock()


def maskinporten_for(config: FiksConfig) -> Maskinporten:
    """One Maskinporten client (and its cached token) per configuration and process."""
    with _clients_lock:
        if config not in _clients:
            _clients[config] = Maskinporten(config)
        return _clients[config]


class FiksApi:
    """Authenticated requests to the Fiks platform."""

    def __init__(self, config: FiksConfig, maskinporten: Maskinporten | None = None) -> None:
        self.config = config
        self.maskinporten = maskinporten or maskinporten_for(config)

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.maskinporten.token()}",
            "IntegrasjonId": self.config.integration_id,
            "IntegrasjonPassord": self.config.integration_password,
            "Accept": "application/json",
            **(extra or {}),
        }

    def get_json(self, path: str) -> Any:
        body = _request(self.config.api_url + path, headers=self.headers())
        try:
            return json.loads(body)
        except ValueError:
            raise TransportError(f"Fiks answered {path[:60]} with something not JSON.") from None

    def post_multipart(self, path: str, parts: list[Part]) -> Any:
        body, content_type = multipart(parts)
        answer = _request(
            self.config.api_url + path,
            method="POST",
            data=body,
            headers=self.headers({"Content-Type": content_type}),
        )
        try:
            return json.loads(answer) if answer else {}
        except ValueError:
            raise TransportError(f"Fiks answered {path[:60]} with something not JSON.") from None


@dataclass(frozen=True)
class Part:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"
    filename: str = ""


def multipart(parts: list[Part]) -> tuple[bytes, str]:
    boundary = "stafett-" + secrets.token_hex(16)
    chunks: list[bytes] = []
    for part in parts:
        disposition = f'form-data; name="{part.name}"'
        if part.filename:
            disposition += f'; filename="{part.filename}"'
        chunks.append(
            (
                f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {part.content_type}\r\n\r\n"
            ).encode()
            + part.content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


@dataclass(frozen=True)
class IncomingMessage:
    message_id: str
    message_type: str
    reply_to: str
    payload: bytes


class FiksIO:
    """The Fiks IO boundary (see the module's note: HTTP here, AMQP in Fiks IO itself)."""

    def __init__(self, api: FiksApi, account: str) -> None:
        self.api = api
        self.account = account

    def send(self, *, receiver: str, message_type: str, payload: bytes, reply_to: str = "") -> str:
        metadata = {
            "avsenderKontoId": self.account,
            "mottakerKontoId": receiver,
            "meldingType": message_type,
            "ttl": 3 * 24 * 3600 * 1000,
            "svarPaMelding": reply_to or None,
        }
        answer = self.api.post_multipart(
            "/fiks-io/api/v1/send",
            [
                Part("metadata", json.dumps(metadata).encode(), "application/json"),
                Part("data", payload, "application/zip", "data.zip"),
            ],
        )
        message_id = str(answer.get("meldingId", "")) if isinstance(answer, dict) else ""
        if not message_id:
            raise TransportError("Fiks IO did not give the message an id.")
        return message_id

    def receive(self) -> list[IncomingMessage]:
        answer = self.api.get_json(f"/fiks-io/api/v1/konto/{self.account}/meldinger")
        messages: list[IncomingMessage] = []
        for item in answer if isinstance(answer, list) else []:
            try:
                messages.append(
                    IncomingMessage(
                        message_id=str(item["meldingId"]),
                        message_type=str(item["meldingType"]),
                        reply_to=str(item.get("svarPaMelding") or ""),
                        payload=base64.b64decode(item.get("data") or ""),
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue  # a message we cannot read is left for the log of the fake/AMQP
        return messages
