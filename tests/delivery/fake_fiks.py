"""A local fake of the Fiks platform for the tests: Maskinporten's token endpoint, Fiks
IO (send; the answers fetched by poll), Fiks Arkiv's behaviour behind an archive account,
and the Fiks bekymringsmelding API. It checks what Stafett sends — the JWT grant's
signature and claims, the Fiks headers, the arkivmelding against KS's XSD, the report
against KS's JSON Schema after decrypting it — and answers as a test tells it to:
receipts, an error message, or nothing at all.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from stafett.delivery import bekymring, fiks_arkiv

INTEGRATION_ID = "stafett-test-integrasjon"
INTEGRATION_PASSWORD = "test-passord"
ORG_ID = "11111111-2222-4333-8444-555555555555"
IO_ACCOUNT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
CLIENT_ID = "stafett-maskinporten-klient"
AUDIENCE = "https://fake-maskinporten.test/"
ARCHIVE_ACCOUNT = "cccccccc-dddd-4eee-8fff-000000000000"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def certificate(key: rsa.RSAPrivateKey, name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class Keys:
    maskinporten: rsa.RSAPrivateKey
    office: rsa.RSAPrivateKey
    office_cert: x509.Certificate


@dataclass
class FakeFiks:
    keys: Keys
    url: str = ""
    # How the archive answers an arkivmelding: "receipt" (mottatt + kvittering),
    # "received_only", "error" (ugyldigforespoersel), "server_error", "silent".
    archive_answer: str = "receipt"
    refuse_reports: bool = False
    offices: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "bydelsnummer": "01",
                "bydelsnavn": "Barneverntenesta i Testvik",
                "standardMottaker": True,
            }
        ]
    )
    tokens: set[str] = field(default_factory=set)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    arkivmeldinger: list[bytes] = field(default_factory=list)
    attachments: list[dict[str, bytes]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    report_pdfs: list[bytes] = field(default_factory=list)
    status_history: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    # --- the checks -------------------------------------------------------------------

    def grant(self, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        try:
            head, body, signature = form["assertion"].split(".")
            self.keys.maskinporten.public_key().verify(
                _b64decode(signature),
                f"{head}.{body}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            claims = json.loads(_b64decode(body))
            header = json.loads(_b64decode(head))
        except Exception:
            return 400, {"error": "invalid_grant"}
        now = datetime.datetime.now(datetime.UTC).timestamp()
        if (
            header.get("alg") != "RS256"
            or claims.get("iss") != CLIENT_ID
            or claims.get("aud") != AUDIENCE
            or claims.get("scope") != "ks:fiks"
            or not claims["iat"] - 10 <= now <= claims["exp"]
            or claims["exp"] - claims["iat"] > 120
        ):
            return 400, {"error": "invalid_grant"}
        self.assertions.append(claims)
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 120, "scope": "ks:fiks"}

    def authorised(self, headers: Any) -> bool:
        bearer = str(headers.get("Authorization", "")).removeprefix("Bearer ")
        return (
            bearer in self.tokens
            and headers.get("IntegrasjonId") == INTEGRATION_ID
            and headers.get("IntegrasjonPassord") == INTEGRATION_PASSWORD
        )

    def fiks_io_send(self, parts: dict[str, bytes]) -> tuple[int, Any]:
        metadata = json.loads(parts["metadata"])
        if metadata["avsenderKontoId"] != IO_ACCOUNT:
            return 400, {"error": "unknown sender"}
        if metadata["mottakerKontoId"] != ARCHIVE_ACCOUNT:
            return 400, {"error": "unknown receiver"}
        if metadata["meldingType"] != fiks_arkiv.MESSAGE_TYPE:
            return 400, {"error": "unknown message type"}
        with zipfile.ZipFile(io.BytesIO(parts["data"])) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        xml = files.get(fiks_arkiv.PAYLOAD_XML, b"")
        try:
            fiks_arkiv.validate(xml)
        except Exception as error:
            self.refused.append(str(error))
            return 400, {"error": "arkivmelding does not validate"}
        self.arkivmeldinger.append(xml)
        self.attachments.append(files)
        message_id = str(uuid.uuid4())
        self._answer_archive(metadata["avsenderKontoId"], message_id)
        return 200, {"meldingId": message_id}

    def _answer_archive(self, account: str, message_id: str) -> None:
        def out(kind: str, payload: str) -> None:
            self.outbox.append(
                {
                    "meldingId": str(uuid.uuid4()),
                    "meldingType": kind,
                    "svarPaMelding": message_id,
                    "data": base64.b64encode(payload.encode()).decode(),
                }
            )

        if self.archive_answer in ("receipt", "received_only"):
            out(fiks_arkiv.RECEIVED, "")
        if self.archive_answer == "receipt":
            out(
                fiks_arkiv.RECEIPT,
                "<arkivmeldingKvittering><registreringKvittering><systemID>"
                "9f0c7c8e-1d6a-4c55-9a3e-4d2c1b0a9e88</systemID></registreringKvittering>"
                "</arkivmeldingKvittering>",
            )
        if self.archive_answer == "error":
            out(
                fiks_arkiv.ERROR_PREFIX + "ugyldigforespoersel",
                "<ugyldigforespoersel><feilmelding>Klassifikasjon ukjend</feilmelding>"
                "</ugyldigforespoersel>",
            )
        if self.archive_answer == "server_error":
            out(
                fiks_arkiv.ERROR_PREFIX + "serverfeil",
                "<serverfeil><feilmelding>Arkivet er nede</feilmelding></serverfeil>",
            )

    def report_send(self, parts: dict[str, bytes], path: list[str]) -> tuple[int, Any]:
        if self.refuse_reports:
            return 503, {"error": "unavailable"}
        pdf = pkcs7.pkcs7_decrypt_der(
            parts["bekymringsmelding"], self.keys.office_cert, self.keys.office, []
        )
        package = pkcs7.pkcs7_decrypt_der(
            parts["asice"], self.keys.office_cert, self.keys.office, []
        )
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            assert archive.namelist()[0] == "mimetype"
            assert archive.read("mimetype") == bekymring.ASICE_MIMETYPE
            document = json.loads(archive.read("bekymringsmelding.json"))
            assert archive.read("bekymringsmelding.pdf") == pdf
        try:
            bekymring.validate(document)
        except Exception as error:
            self.refused.append(str(error))
            return 400, {"error": "schema"}
        if path[-4] != ORG_ID:
            return 403, {"error": "wrong organisation"}
        self.reports.append(document)
        self.report_pdfs.append(pdf)
        report_id = str(uuid.uuid4())
        self.status_history[report_id] = []
        return 200, {"uuid": report_id}

    def add_status(self, report_id: str, state: str, at: datetime.datetime) -> None:
        self.status_history[report_id].append(
            {
                "bekymringsmeldingId": report_id,
                "tidspunkt": at.replace(tzinfo=None).isoformat(),
                "tilstand": state,
                "beskrivelse": "",
            }
        )

    # --- the server ---------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        self.requests.append(f"{method} {path}")
        parts = [p for p in path.split("/") if p]
        if path == "/maskinporten/token" and method == "POST":
            form = dict(pair.split("=", 1) for pair in body.decode().split("&") if "=" in pair)
            from urllib.parse import unquote_plus

            return self.grant({k: unquote_plus(v) for k, v in form.items()})
        if not self.authorised(headers):
            return 401, {"error": "unauthorised"}
        if path == "/fiks-io/api/v1/send" and method == "POST":
            return self.fiks_io_send(_multipart(headers, body))
        if path == f"/fiks-io/api/v1/konto/{IO_ACCOUNT}/meldinger" and method == "GET":
            waiting, self.outbox = self.outbox, []
            return 200, waiting
        if parts[:4] == ["bekymringsmelding", "api", "v2", "kommuner"] and method == "GET":
            return 200, self.offices
        if parts[-1] == "krypteringsnokler" and method == "GET":
            cert = self.keys.office_cert.public_bytes(serialization.Encoding.PEM).decode()
            return 200, {
                "printOffentligNokkel": {"nokkel": cert},
                "fiksIOOffentligNokkel": {"nokkel": cert},
            }
        if parts[-1] == "offentlig" and method == "POST":
            return self.report_send(_multipart(headers, body), parts)
        if parts[-1] == "status" and method == "GET":
            return 200, self.status_history.get(parts[-2], [])
        return 404, {"error": "no such path"}


def _multipart(headers: Any, body: bytes) -> dict[str, bytes]:
    """multipart/form-data, read byte for byte (binary parts stay as they are)."""
    boundary = str(headers["Content-Type"]).split("boundary=", 1)[1].strip('"').encode()
    parts: dict[str, bytes] = {}
    for chunk in body.split(b"--" + boundary):
        if not chunk.startswith(b"\r\n"):
            continue  # the preamble and the closing "--"
        head, _, content = chunk[2:].partition(b"\r\n\r\n")
        name = head.decode().split('name="', 1)[1].split('"', 1)[0]
        parts[name] = content.removesuffix(b"\r\n")
    return parts


def serve(fake: FakeFiks) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, data = fake.handle(method, self.path, self.headers, body)
            except Exception as error:  # a fault in what was sent: the test sees it
                fake.refused.append(repr(error))
                status, data = 400, {"error": repr(error)}
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server
