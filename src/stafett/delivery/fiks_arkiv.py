"""Fiks Arkiv: the archive message (arkivmelding, V1 "opprett") with the log's PDF as the
main document, sent over Fiks IO; the answers are the receipts `mottatt` (the archive has
the message) and `kvittering` (archived, with the archive's own ids), or an error
message (`feilmelding.*`).

The XML follows KS's schema `no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd`
(vendored in schemas/, checked in the tests and before every send). The message is one
`registrering` of type `journalpost` that places itself in the log's case folder by the
external key (fagsystem "Stafett", key: the log's uuid), so the archive finds the same
case folder for every hand-over of the same log.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from stafett.delivery.fiks_http import FiksIO, IncomingMessage
from stafett.delivery.submission import ArchiveSubmission, DeliveryResult

SCHEMAS = Path(__file__).resolve().parent / "schemas"
NS = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/v1"
# Children of the metadata catalogue's complex types (kode, eksternNoekkel, …) are in its
# namespace (the schema's elementFormDefault is qualified).
MDK = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SYSTEM = "Stafett"

MESSAGE_TYPE = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett"
RECEIVED = MESSAGE_TYPE + ".mottatt"
RECEIPT = MESSAGE_TYPE + ".kvittering"
ERROR_PREFIX = "no.ks.fiks.arkiv.v1.feilmelding."
PAYLOAD_XML = "arkivmelding.xml"


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.parse(str(SCHEMAS / "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd"))
    )


class InvalidMessage(ValueError):
    pass


def validate(xml: bytes) -> None:
    """Raise InvalidMessage with the schema's first complaint, if any."""
    document = etree.fromstring(xml)
    checker = schema()
    if not checker.validate(document):
        raise InvalidMessage(str(checker.error_log.last_error))


def _add(parent: etree._Element, name: str, text: Any = None, *, ns: str = NS) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        element.text = str(text)
    return element


def _code(parent: etree._Element, name: str, code: str, description: str = "") -> None:
    element = _add(parent, name)
    _add(element, "kode", code, ns=MDK)
    if description:
        _add(element, "beskrivelse", description, ns=MDK)


def _text(group: Mapping[str, Any], key: str, default: str = "") -> str:
    value = group.get(key, default)
    return str(value).strip() if value is not None else ""


def arkivmelding_xml(submission: ArchiveSubmission, *, now: datetime.datetime) -> bytes:
    """The arkivmelding for one closed log. Metadata groups and the keys read from each:

    saksmappe: tittel, saksansvarlig, administrativEnhet (names: the case folder is found
        or made by the external key; these go in the journalpost's parts for the archive)
    journalpost: tittel, offentligTittel, journalposttype (default X: internal document
        without follow-up), dokumentetsDato (ISO date)
    dokumentbeskrivelse: tittel, dokumenttype (default DOK), tilknyttetRegistreringSom
        (default H: main document)
    skjerming: tilgangsrestriksjon (e.g. 13), skjermingshjemmel (e.g. "Offl. § 13, jf.
        fvl. § 13")
    klassering: klassifikasjonssystemID, klasseID, tittel
    """
    meta = submission.metadata
    saksmappe = meta.get("saksmappe", {})
    journalpost = meta.get("journalpost", {})
    document = meta.get("dokumentbeskrivelse", {})
    shielding = meta.get("skjerming", {})
    classes = meta.get("klassering", {})
    stamp = now.replace(microsecond=0).isoformat()

    root = etree.Element(f"{{{NS}}}arkivmelding", nsmap={None: NS, "n5mdk": MDK, "xsi": XSI})
    _add(root, "system", SYSTEM)
    _add(root, "antallFiler", 1)
    entry = _add(root, "registrering")
    entry.set(f"{{{XSI}}}type", "journalpost")
    _add(entry, "opprettetDato", stamp)
    _add(entry, "opprettetAv", SYSTEM)
    folder = _add(entry, "referanseForelderMappe")
    key = _add(folder, "referanseEksternNoekkel", ns=MDK)
    _add(key, "fagsystem", SYSTEM, ns=MDK)
    _add(key, "noekkel", str(submission.log_uuid), ns=MDK)
    for role, name in (
        ("saksansvarlig", _text(saksmappe, "saksansvarlig")),
        ("administrativEnhet", _text(saksmappe, "administrativEnhet")),
    ):
        if name:
            part = _add(entry, "part")
            _add(part, "partNavn", name)
            _code(part, "partRolle", role)
    if _text(shielding, "tilgangsrestriksjon"):
        shield = _add(entry, "skjerming")
        _code(shield, "tilgangsrestriksjon", _text(shielding, "tilgangsrestriksjon"))
        _add(shield, "skjermingshjemmel", _text(shielding, "skjermingshjemmel") or "-")
    description = _add(entry, "dokumentbeskrivelse")
    _code(description, "dokumenttype", _text(document, "dokumenttype", "DOK"))
    _code(description, "dokumentstatus", "F", "Ferdig")
    _add(description, "tittel", _text(document, "tittel") or submission.title)
    _code(
        description,
        "tilknyttetRegistreringSom",
        _text(document, "tilknyttetRegistreringSom", "H"),
        "Hoveddokument",
    )
    _add(description, "dokumentnummer", 1)
    file = _add(description, "dokumentobjekt")
    _add(file, "versjonsnummer", 1)
    _code(file, "variantformat", "A", "Arkivformat")
    _code(file, "format", "PDF")
    _add(file, "mimeType", "application/pdf")
    _add(file, "filnavn", submission.pdf_path.name)
    _add(file, "referanseDokumentfil", submission.pdf_path.name)
    _add(file, "sjekksum", submission.pdf_sha256)
    _add(file, "sjekksumAlgoritme", "SHA256")
    _add(file, "filstoerrelse", submission.pdf_path.stat().st_size)
    _add(entry, "tittel", _text(journalpost, "tittel") or submission.title)
    if _text(journalpost, "offentligTittel"):
        _add(entry, "offentligTittel", _text(journalpost, "offentligTittel"))
    if _text(classes, "klasseID"):
        klass = _add(entry, "klassifikasjon")
        _add(klass, "klassifikasjonssystemID", _text(classes, "klassifikasjonssystemID", "ORD"))
        _add(klass, "klasseID", _text(classes, "klasseID"))
        if _text(classes, "tittel"):
            _add(klass, "tittel", _text(classes, "tittel"))
    external = _add(entry, "referanseEksternNoekkel")
    _add(external, "fagsystem", SYSTEM, ns=MDK)
    _add(external, "noekkel", f"{submission.log_uuid}/{submission.pdf_sha256[:16]}", ns=MDK)
    _code(entry, "journalposttype", _text(journalpost, "journalposttype", "X"))
    _code(entry, "journalstatus", "J", "Journalført")
    if _text(journalpost, "dokumentetsDato"):
        _add(entry, "dokumentetsDato", _text(journalpost, "dokumentetsDato"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def payload(submission: ArchiveSubmission, xml: bytes) -> bytes:
    """The Fiks IO payload: the arkivmelding and the PDF it names, in one ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PAYLOAD_XML, xml)
        archive.write(submission.pdf_path, submission.pdf_path.name)
    return buffer.getvalue()


class FiksArkiv:
    def __init__(self, io: FiksIO, archive_account: str) -> None:
        self.io = io
        self.archive_account = archive_account

    def submit(
        self, submission: ArchiveSubmission, *, now: datetime.datetime | None = None
    ) -> DeliveryResult:
        submission.check()
        now = now or datetime.datetime.now(datetime.UTC)
        xml = arkivmelding_xml(submission, now=now)
        validate(xml)  # never send what the archive would refuse as malformed
        message_id = self.io.send(
            receiver=self.archive_account,
            message_type=MESSAGE_TYPE,
            payload=payload(submission, xml),
        )
        return DeliveryResult(status="sent", message_id=message_id, steps=[("sent", message_id)])


def read_answer(message: IncomingMessage) -> tuple[str, str]:
    """(what the answer means, a short detail): "received", "archived" (the detail is the
    archive's reference), "error" (the detail is the error's kind and text, cut short), or
    "unknown"."""
    if message.message_type == RECEIVED:
        return "received", ""
    if message.message_type == RECEIPT:
        return "archived", _receipt_reference(message.payload)
    if message.message_type.startswith(ERROR_PREFIX):
        kind = message.message_type.removeprefix(ERROR_PREFIX)
        return "error", f"{kind}: {_error_text(message.payload)}"[:300]
    return "unknown", message.message_type[:100]


def _receipt_reference(xml: bytes) -> str:
    """The archive's id of what it made (the first systemID in the receipt)."""
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError:
        return ""
    for element in document.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "systemID":
            return (element.text or "").strip()[:300]
    return ""


def _error_text(xml: bytes) -> str:
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError:
        return ""
    for element in document.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "feilmelding":
            return (element.text or "").strip()
    return ""
