"""The folder drop: the archive package (ZIP) is copied into a folder the municipality's
archive system reads (for municipalities without Fiks Arkiv).

Atomic: written to a hidden temporary file in the same folder, flushed to disk, then
renamed into place, so the archive system never sees half a file. Idempotent: the file
is named after the log and the package's checksum, and a package already there with the
same checksum is left as it is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from stafett.delivery.submission import ArchiveSubmission, DeliveryResult, sha256_of


class FolderDrop:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def target(self, submission: ArchiveSubmission) -> Path:
        return self.folder / f"stafett-{submission.log_uuid}-{submission.package_sha256[:12]}.zip"

    def submit(self, submission: ArchiveSubmission) -> DeliveryResult:
        submission.check()
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.target(submission)
        if target.exists() and sha256_of(target) == submission.package_sha256:
            return DeliveryResult(
                status="archived", reference=target.name, steps=[("written", "already there")]
            )
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".stafett-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out, submission.package_path.open("rb") as source:
                shutil.copyfileobj(source, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            if sha256_of(Path(temporary)) != submission.package_sha256:
                raise OSError("the copy does not match the package's checksum")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return DeliveryResult(status="archived", reference=target.name, steps=[("written", "")])
