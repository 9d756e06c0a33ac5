"""The archive's URLs in the every-URL walk (tests/policy): a ready archive document of
the walk's log, with small stand-in files (the walk checks who reaches what, not the
PDF; tests/archive/test_archive_document.py makes real ones)."""

from __future__ import annotations

import hashlib
from typing import Any

from stafett.archive.models import ArchiveDocument
from stafett.archive.selectors import archive_path


def ready_document(log: Any) -> ArchiveDocument:
    found = ArchiveDocument.objects.filter(log=log, status=ArchiveDocument.Status.READY).first()
    if found is not None:
        return found
    document = ArchiveDocument.objects.create(
        municipality_id=log.municipality_id,
        log=log,
        kind=ArchiveDocument.Kind.ON_DEMAND,
        language="nn",
        status=ArchiveDocument.Status.READY,
    )
    fields: dict[str, Any] = {}
    for what, data in (("pdf", b"%PDF-1.7 walk\n"), ("package", b"PK\x05\x06" + b"\0" * 18)):
        relative = f"walk/{document.uuid}/{what}"
        path = archive_path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        fields[f"{what}_path"] = relative
        fields[f"{what}_sha256"] = hashlib.sha256(data).hexdigest()
    ArchiveDocument.objects.filter(pk=document.pk).update(**fields)
    document.refresh_from_db()
    return document
