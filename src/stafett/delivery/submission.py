"""The archive adapter's one interface: `ArchiveTransport.submit(submission)`.

An `ArchiveSubmission` is what the archive package (issue 12, item 2) hands over: the
log's PDF and the ZIP package, each with its SHA-256, and the case metadata under Noark
5's names. Two transports implement it: `FolderDrop` (stafett.delivery.folder) and
`FiksArkiv` (stafett.delivery.fiks_arkiv).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# The Noark 5 entities the metadata is grouped by (the archive package uses the same).
NOARK_KEYS = ("saksmappe", "journalpost", "dokumentbeskrivelse", "skjerming", "klassering")


class SubmissionError(ValueError):
    """The submission cannot be handed over as it is (a file missing or changed)."""


@dataclass(frozen=True)
class ArchiveSubmission:
    municipality_id: int
    log_uuid: uuid.UUID
    title: str
    # {"saksmappe": {...}, "journalpost": {...}, "dokumentbeskrivelse": {...},
    #  "skjerming": {...}, "klassering": {...}}: see `fiks_arkiv.arkivmelding_xml` for the
    # keys each may have.
    metadata: Mapping[str, Mapping[str, Any]]
    pdf_path: Path
    pdf_sha256: str
    package_path: Path
    package_sha256: str

    def check(self) -> None:
        """The files are there and are what their checksums say (nothing changed them)."""
        unknown = set(self.metadata) - set(NOARK_KEYS)
        if unknown:
            raise SubmissionError(f"Unknown metadata groups: {sorted(unknown)}")
        for path, expected in (
            (self.pdf_path, self.pdf_sha256),
            (self.package_path, self.package_sha256),
        ):
            if not path.is_file():
                raise SubmissionError(f"Missing file: {path.name}")
            if sha256_of(path) != expected:
                raise SubmissionError(f"Checksum does not match: {path.name}")

    def to_json(self) -> dict[str, Any]:
        return {
            "municipality_id": self.municipality_id,
            "log_uuid": str(self.log_uuid),
            "title": self.title,
            "metadata": {k: dict(v) for k, v in self.metadata.items()},
            "pdf_path": str(self.pdf_path),
            "pdf_sha256": self.pdf_sha256,
            "package_path": str(self.package_path),
            "package_sha256": self.package_sha256,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ArchiveSubmission:
        return cls(
            municipality_id=int(data["municipality_id"]),
            log_uuid=uuid.UUID(data["log_uuid"]),
            title=str(data["title"]),
            metadata=data["metadata"],
            pdf_path=Path(data["pdf_path"]),
            pdf_sha256=str(data["pdf_sha256"]),
            package_path=Path(data["package_path"]),
            package_sha256=str(data["package_sha256"]),
        )


@dataclass(frozen=True)
class DeliveryResult:
    """What a transport did. `status`: "archived" (done: the folder drop, or the archive's
    receipt came at once), "sent" (sent, a receipt is awaited), or "failed" (an error the
    archive answered: sending again will not help)."""

    status: str
    message_id: str = ""
    reference: str = ""
    error: str = ""
    steps: list[tuple[str, str]] = field(default_factory=list)


class TransportError(Exception):
    """The transport could not reach its counterpart (try again later)."""


class ArchiveTransport(Protocol):
    def submit(self, submission: ArchiveSubmission) -> DeliveryResult: ...


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
