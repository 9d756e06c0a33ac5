"""A closed log's copy for the archive, at retention (issue 12, items 4 and 6).

- `held_for_archive`: a log whose archive package has not reached the municipality's
  archive, where the municipality hands packages over (a transport is chosen), is kept:
  deleting it would lose the record the municipality must archive (arkivlova). It is
  listed as kept in the dry run and skipped by the run, until its newest ready archive
  document's package is archived. Without a transport the municipality archives by
  hand, and retention goes ahead.
- `release`: when the log is deleted, its archive files (STAFETT_ARCHIVE_DIR/
  <municipality>/<log uuid>/) are removed once the deletion has committed (its
  `ArchiveDocument` rows go with the log, as every row that hangs on it), and the
  hand-overs that name the log keep only metadata: the submission (file paths, the
  Noark metadata with the coordinator's name) is emptied; status, checksums, the
  archive's reference and the steps stay, as the municipality's proof that the log
  reached its archive. A hand-over still under way is stopped (failed, with the reason).
"""

from __future__ import annotations

import logging
import shutil
import uuid

from django.db import transaction
from django.utils import timezone

from stafett.archive.models import ArchiveDocument
from stafett.archive.selectors import archive_path
from stafett.delivery.models import ArchiveDelivery, Transport
from stafett.delivery.services import settings_for

logger = logging.getLogger(__name__)

DELETED = "The relay log was deleted (retention) before it reached the archive."


def held_for_archive(*, municipality_id: int, log_uuid: uuid.UUID | str) -> bool:
    """Whether the log must wait: a transport is chosen and the package of its newest
    ready archive document is not archived (or no document was ever made)."""
    if settings_for(municipality_id).archive_transport == Transport.NONE:
        return False
    newest = (
        ArchiveDocument.objects.filter(
            municipality_id=municipality_id,
            log__uuid=log_uuid,
            status=ArchiveDocument.Status.READY,
        )
        .order_by("-finished_at", "-id")
        .values_list("package_sha256", flat=True)
        .first()
    )
    if newest is None:
        return True
    return not ArchiveDelivery.objects.filter(
        municipality_id=municipality_id,
        log_uuid=log_uuid,
        package_sha256=newest,
        status=ArchiveDelivery.Status.ARCHIVED,
    ).exists()


def release(*, municipality_id: int, log_uuid: uuid.UUID) -> None:
    """Inside the deletion's transaction: empty the hand-overs' submissions, stop any
    still under way, and remove the log's archive folder after the commit."""
    deliveries = ArchiveDelivery.objects.filter(municipality_id=municipality_id, log_uuid=log_uuid)
    now = timezone.now()
    deliveries.exclude(status__in=ArchiveDelivery.FINAL).update(
        status=ArchiveDelivery.Status.FAILED, last_error=DELETED, updated_at=now
    )
    deliveries.update(submission={})
    folder = archive_path(f"{municipality_id}/{log_uuid}")

    def remove() -> None:
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("Retention: the archive folder of a log could not be removed")

    transaction.on_commit(remove)
