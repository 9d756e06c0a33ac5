"""Fiks bekymringsmelding: the national channel (KS and Bufdir) for a public reporter's
report to child welfare.

Real, after KS's producer client and protocol (ks-no on GitHub):
- the API v2: the municipality's child welfare offices (`bydeler`), the offices'
  encryption keys, sending (multipart: the PDF for printing and the ASiC-E package) and
  the report's status history;
- the report as JSON in KS's schema `offentlig.bekymringsmelding.v2` (vendored in
  schemas/bekymringsmelding/, checked before every send), with the PDF beside it;
- encryption: each part is a CMS EnvelopedData (`cryptography`'s PKCS7 envelope, RSA key
  transport, AES) for the office's certificate — the PDF for `printOffentligNokkel`, the
  package for `fiksIOOffentligNokkel`.

A documented simplification: KS's client wraps JSON and PDF in an ASiC-E container signed
with the organisation's certificate. Stafett builds the container's layout (a stored
`mimetype` first, the files, `META-INF/manifest.xml`) but does not sign it (no XAdES
signature); the package is encrypted as above.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from stafett.delivery.fiks_http import FiksApi, Part
from stafett.delivery.submission import TransportError

SCHEMAS = Path(__file__).resolve().parent / "schemas" / "bekymringsmelding"
SCHEMA_URI = "https://fiks.ks.no/bekymringsmelding.offentlig.v2.json"
ASICE_MIMETYPE = b"application/vnd.etsi.asic-e+zip"


@cache
def _validator() -> Any:
    from jsonschema import Draft201909Validator
    from referencing import Registry, Resource

    main = json.loads((SCHEMAS / "v2" / "offentlig.bekymringsmelding.v2.json").read_text())
    address = json.loads((SCHEMAS / "adresse.json").read_text())
    registry = Registry().with_resources(
        [
            (SCHEMA_URI, Resource.from_contents(main)),
            # The main schema refers to "../adresse.json" from its own address.
            ("https://fiks.ks.no/adresse.json", Resource.from_contents(address)),
        ]
    )
    return Draft201909Validator(main, registry=registry)


class InvalidReport(ValueError):
    pass


def validate(document: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(root)"
        raise InvalidReport(f"{where}: {first.message}")


@dataclass(frozen=True)
class Office:
    number: str
    name: str
    default: bool


@dataclass(frozen=True)
class StatusLine:
    state: str
    at: datetime.datetime
    description: str


def _certificate(data: Any) -> x509.Certificate:
    try:
        text = str(data["nokkel"])
        return x509.load_pem_x509_certificate(text.encode())
    except (KeyError, TypeError, ValueError):
        raise TransportError("Fiks gave an encryption key that cannot be read.") from None


def encrypt(data: bytes, certificate: x509.Certificate) -> bytes:
    """CMS EnvelopedData (DER) for the certificate's key; the bytes as they are (Binary:
    no MIME line-ending canonicalisation of a PDF or a ZIP)."""
    return (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(data)
        .add_recipient(certificate)
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def asice(files: dict[str, bytes]) -> bytes:
    """The ASiC-E layout (unsigned: see the module's note)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ASICE_MIMETYPE, zipfile.ZIP_STORED)
        entries = "".join(
            f'<file-entry full-path="{name}" media-type="'
            f'{"application/pdf" if name.endswith(".pdf") else "application/json"}"/>'
            for name in files
        )
        manifest = (
            (
                '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                f"{entries}</manifest:manifest>"
            )
            .replace("<file-entry", "<manifest:file-entry")
            .replace("full-path=", "manifest:full-path=")
            .replace("media-type=", "manifest:media-type=")
        )
        for name, content in files.items():
            archive.writestr(name, content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


class BekymringsmeldingClient:
    def __init__(self, api: FiksApi, org_id: str) -> None:
        self.api = api
        self.org_id = org_id

    def offices(self, municipality_number: str) -> list[Office]:
        answer = self.api.get_json(
            f"/bekymringsmelding/api/v2/kommuner/{municipality_number}/bydeler"
        )
        offices = []
        for item in answer if isinstance(answer, list) else []:
            try:
                offices.append(
                    Office(
                        number=str(item["bydelsnummer"]),
                        name=str(item["bydelsnavn"]),
                        default=bool(item.get("standardMottaker")),
                    )
                )
            except (KeyError, TypeError):
                continue
        return [o for o in offices if re.fullmatch(r"\d{2}", o.number)]

    def send(
        self, *, municipality_number: str, office: str, document: dict[str, Any], pdf: bytes
    ) -> uuid.UUID:
        validate(document)
        keys = self.api.get_json(
            f"/bekymringsmelding/api/v2/mottak/fagsystem/{municipality_number}/{office}"
            "/krypteringsnokler"
        )
        if not isinstance(keys, dict):
            raise TransportError("Fiks gave no encryption keys.")
        print_key = _certificate(keys.get("printOffentligNokkel"))
        package_key = _certificate(keys.get("fiksIOOffentligNokkel"))
        package = asice(
            {
                "bekymringsmelding.json": json.dumps(document, ensure_ascii=False).encode(),
                "bekymringsmelding.pdf": pdf,
            }
        )
        answer = self.api.post_multipart(
            f"/bekymringsmelding/api/v2/mottak/fagsystem/{self.org_id}/{municipality_number}"
            f"/{office}/offentlig",
            [
                Part(
                    "bekymringsmelding", encrypt(pdf, print_key), filename="bekymringsmelding.pdf"
                ),
                Part("asice", encrypt(package, package_key), filename="asice.zip"),
            ],
        )
        try:
            return uuid.UUID(str(answer["uuid"]))
        except (KeyError, TypeError, ValueError):
            raise TransportError("Fiks did not give the report an id.") from None

    def status(self, report_id: uuid.UUID) -> list[StatusLine]:
        answer = self.api.get_json(
            f"/bekymringsmelding/api/v2/mottak/fagsystem/{self.org_id}/bekymringsmelding"
            f"/{report_id}/status"
        )
        lines = []
        for item in answer if isinstance(answer, list) else []:
            try:
                at = datetime.datetime.fromisoformat(str(item["tidspunkt"]))
                lines.append(
                    StatusLine(
                        state=str(item["tilstand"])[:60],
                        at=at if at.tzinfo else at.replace(tzinfo=datetime.UTC),
                        description=str(item.get("beskrivelse") or "")[:200],
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        return lines
