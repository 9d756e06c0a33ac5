"""Handing closed logs over to the municipality's archive (writes).

`deliver_to_archive(submission)` records the hand-over (once per log and package) and
queues its first attempt. `run_archive_checks(now)` — called by the scheduled task —
makes the attempts that are due, reads the archive's answers (Fiks Arkiv's receipts
and errors), and sends again when no answer came in time: after `MAX_ATTEMPTS` the
hand-over fails, visibly, on the administrator's page. Every step is a `DeliveryStep`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from stafett.delivery import config
from stafett.delivery.fiks_arkiv import FiksArkiv, InvalidMessage, read_answer
from stafett.delivery.fiks_http import FiksApi, FiksIO
from stafett.delivery.folder import FolderDrop
from stafett.delivery.models import ArchiveDelivery, DeliveryStep, FiksSettings, Transport
from stafett.delivery.submission import (
    ArchiveSubmission,
    ArchiveTransport,
    SubmissionError,
    TransportError,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# How long to wait for the archive's first answer before sending again: 15 minutes
# after the first send, then 1 hour, 4 hours, 16 hours.
FIRST_WAIT = datetime.timedelta(minutes=15)
# After "mottatt", how long the archive has to send its receipt ("kvittering") before the
# hand-over is shown as failed (not sent again: the archive has the message).
RECEIPT_WAIT = datetime.timedelta(days=3)

Status = ArchiveDelivery.Status
Step = DeliveryStep.Kind


def wait_after(attempts: int) -> datetime.timedelta:
    factor: int = 4 ** max(attempts - 1, 0)
    return FIRST_WAIT * factor


def settings_for(municipality_id: int) -> FiksSettings:
    found: FiksSettings | None = FiksSettings.objects.filter(
        municipality_id=municipality_id
    ).first()
    return found or FiksSettings(municipality_id=municipality_id)


def fiks_io() -> FiksIO:
    """The installation's Fiks IO account (NotConfigured without it, and in the demo)."""
    fiks = config.fiks_config()
    if not fiks.io_account:
        raise config.NotConfigured("STAFETT_FIKS_IO_ACCOUNT is not set.")
    return FiksIO(FiksApi(fiks), fiks.io_account)


def transport_for(delivery: ArchiveDelivery) -> ArchiveTransport:
    """The municipality's transport as configured now (NotConfigured if it cannot work)."""
    chosen = settings_for(delivery.municipality_id)
    if delivery.transport == Transport.FOLDER:
        if not chosen.drop_folder:
            raise config.NotConfigured("No folder is chosen for the archive.")
        return FolderDrop(config.drop_root() / chosen.drop_folder)
    if delivery.transport == Transport.FIKS_ARKIV:
        if chosen.archive_account is None:
            raise config.NotConfigured("No Fiks account is given for the archive.")
        return FiksArkiv(fiks_io(), str(chosen.archive_account))
    raise config.NotConfigured("The municipality hands nothing over to an archive.")


TransportFor = Callable[[ArchiveDelivery], ArchiveTransport]


def _step(delivery: ArchiveDelivery, kind: str, detail: str, now: datetime.datetime) -> None:
    DeliveryStep.objects.create(delivery=delivery, kind=kind, detail=detail[:300], at=now)


def deliver_to_archive(
    submission: ArchiveSubmission, *, now: datetime.datetime | None = None
) -> ArchiveDelivery | None:
    """Record the hand-over of a closed log's archive package and queue the first try.
    None when the municipality hands nothing over. Calling it again with the same package
    returns the same hand-over (nothing is sent twice)."""
    now = now or timezone.now()
    chosen = settings_for(submission.municipality_id)
    if chosen.archive_transport == Transport.NONE:
        return None
    existing: ArchiveDelivery | None = ArchiveDelivery.objects.filter(
        log_uuid=submission.log_uuid, package_sha256=submission.package_sha256
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            delivery = ArchiveDelivery.objects.create(
                municipality_id=submission.municipality_id,
                log_uuid=submission.log_uuid,
                transport=chosen.archive_transport,
                submission=submission.to_json(),
                pdf_sha256=submission.pdf_sha256,
                package_sha256=submission.package_sha256,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:  # recorded at the same moment by another process
        found: ArchiveDelivery = ArchiveDelivery.objects.get(
            log_uuid=submission.log_uuid, package_sha256=submission.package_sha256
        )
        return found
    transaction.on_commit(lambda: _enqueue_attempt(delivery.id))
    return delivery


def _enqueue_attempt(delivery_id: int) -> None:
    from stafett.delivery.tasks import attempt_archive_delivery

    try:
        attempt_archive_delivery.enqueue(delivery_id)
    except Exception:  # the queue is down: the scheduled check makes the attempt
        logger.exception("Could not queue archive delivery %s", delivery_id)


def _due(now: datetime.datetime) -> Q:
    return Q(status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lte=now)


def attempt(
    delivery_id: int,
    *,
    now: datetime.datetime | None = None,
    transport_factory: TransportFor = transport_for,
) -> str:
    """One try of a due hand-over; returns its new status (or "not due")."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            ArchiveDelivery.objects.select_for_update().filter(id=delivery_id).filter(_due(now))
        ).first()
        if delivery is None:
            return "not due"
        delivery.attempts += 1
        delivery.updated_at = now
        try:
            transport = transport_factory(delivery)
            submission = ArchiveSubmission.from_json(delivery.submission)
            result = transport.submit(submission)
        except (SubmissionError, InvalidMessage, config.NotConfigured) as error:
            # Sending again will not help: the administrator sees why.
            _fail(delivery, str(error), now)
            return str(delivery.status)
        except (TransportError, OSError) as error:
            _retry_or_fail(delivery, f"{type(error).__name__}: {error}", now, Step.TRANSPORT_ERROR)
            return str(delivery.status)
        for kind, detail in result.steps:
            _step(delivery, kind, detail, now)
        if result.status == "archived":
            delivery.status = Status.ARCHIVED
            delivery.reference = result.reference[:300]
            delivery.last_error = ""
            _tell_the_log(delivery)
        elif result.status == "sent":
            delivery.status = Status.SENT
            delivery.message_id = result.message_id
            delivery.next_attempt_at = now + wait_after(delivery.attempts)
            delivery.last_error = ""
        else:
            _fail(delivery, result.error or "failed", now)
            return str(delivery.status)
        delivery.save()
        return str(delivery.status)


def _tell_the_log(delivery: ArchiveDelivery) -> None:
    """A line in the log's history: its archive document is in the archive (issue 12).
    A log deleted meanwhile (retention) has no history to tell."""
    from stafett.logs.models import RelayLog
    from stafett.logs.services import add_event
    from stafett.policy import ANONYMOUS_ACTOR

    log = RelayLog.objects.filter(
        uuid=delivery.log_uuid, municipality_id=delivery.municipality_id
    ).first()
    if log is None:
        return
    variant = (
        delivery.transport if delivery.transport in (Transport.FOLDER, Transport.FIKS_ARKIV) else ""
    )
    add_event(log=log, actor=ANONYMOUS_ACTOR, event_type="archive.delivered", variant=str(variant))


def _fail(delivery: ArchiveDelivery, error: str, now: datetime.datetime) -> None:
    delivery.status = Status.FAILED
    delivery.last_error = error[:300]
    delivery.updated_at = now
    delivery.save()
    _step(delivery, Step.GAVE_UP, error, now)
    logger.warning("Archive delivery %s failed: %s", delivery.uuid, error[:100])


def _retry_or_fail(
    delivery: ArchiveDelivery, error: str, now: datetime.datetime, kind: str
) -> None:
    _step(delivery, kind, error, now)
    if delivery.attempts >= MAX_ATTEMPTS:
        _fail(delivery, error, now)
        return
    delivery.status = Status.RETRYING
    delivery.last_error = error[:300]
    delivery.next_attempt_at = now + wait_after(delivery.attempts)
    delivery.updated_at = now
    delivery.save()


def collect_answers(io: FiksIO, *, now: datetime.datetime | None = None) -> int:
    """Read Fiks Arkiv's answers (receipts and errors) and record them on their
    hand-overs. Returns how many answers belonged to a hand-over."""
    now = now or timezone.now()
    count = 0
    for message in io.receive():
        if not message.reply_to:
            continue
        # The answer may be to an earlier send of the same hand-over (each send is a
        # SENT step with its message id): a late receipt still counts.
        delivery_id = (
            DeliveryStep.objects.filter(kind=Step.SENT, detail=message.reply_to)
            .values_list("delivery_id", flat=True)
            .first()
        )
        with transaction.atomic():
            delivery = (
                ArchiveDelivery.objects.select_for_update()
                .filter(id=delivery_id, transport=Transport.FIKS_ARKIV)
                .first()
            )
            if delivery is None or delivery.status in ArchiveDelivery.FINAL:
                continue
            count += 1
            meaning, detail = read_answer(message)
            delivery.updated_at = now
            if meaning == "received":
                _step(delivery, Step.RECEIVED, message.message_type, now)
                delivery.status = Status.RECEIVED
                delivery.next_attempt_at = now + RECEIPT_WAIT
                delivery.save()
            elif meaning == "archived":
                _step(delivery, Step.ARCHIVED, detail, now)
                delivery.status = Status.ARCHIVED
                delivery.reference = detail
                delivery.last_error = ""
                delivery.save()
                _tell_the_log(delivery)
            elif meaning == "error":
                _step(delivery, Step.ERROR, detail, now)
                if detail.startswith("serverfeil"):
                    # The archive's own fault: another try later may work.
                    _retry_or_fail(delivery, detail, now, Step.ERROR)
                else:
                    _fail(delivery, detail, now)
    return count


def check_unanswered(*, now: datetime.datetime | None = None) -> int:
    """Hand-overs sent without any answer in time are made due again (or fail after
    MAX_ATTEMPTS). Received ones wait RECEIPT_WAIT for their receipt, then show as failed
    (the archive has the message: sending it again could file it twice)."""
    now = now or timezone.now()
    count = 0
    for delivery_id in list(
        ArchiveDelivery.objects.filter(
            status=Status.RECEIVED, next_attempt_at__lte=now
        ).values_list("id", flat=True)[:500]
    ):
        with transaction.atomic():
            delivery = ArchiveDelivery.objects.select_for_update().get(id=delivery_id)
            if delivery.status == Status.RECEIVED:
                _step(delivery, Step.NO_ANSWER, "no receipt after mottatt", now)
                _fail(delivery, "received, but the archive sent no receipt", now)
                count += 1
    for delivery_id in list(
        ArchiveDelivery.objects.filter(status=Status.SENT, next_attempt_at__lte=now).values_list(
            "id", flat=True
        )[:500]
    ):
        with transaction.atomic():
            delivery = ArchiveDelivery.objects.select_for_update().get(id=delivery_id)
            if delivery.status != Status.SENT:
                continue
            _retry_or_fail(delivery, "no answer from the archive", now, Step.NO_ANSWER)
            if delivery.status == Status.RETRYING:
                delivery.next_attempt_at = now
                delivery.save(update_fields=["next_attempt_at"])
            count += 1
    return count


def run_archive_checks(
    *,
    now: datetime.datetime | None = None,
    io: FiksIO | None = None,
    transport_factory: TransportFor = transport_for,
) -> dict[str, Any]:
    """Answers first, then the hand-overs that waited too long, then the due attempts."""
    now = now or timezone.now()
    answers = 0
    waiting = ArchiveDelivery.objects.filter(
        transport=Transport.FIKS_ARKIV, status__in=[Status.SENT, Status.RECEIVED]
    ).exists()
    if waiting:
        try:
            answers = collect_answers(io or fiks_io(), now=now)
        except (TransportError, config.NotConfigured) as error:
            logger.warning("Fiks Arkiv's answers could not be read: %s", error)
    unanswered = check_unanswered(now=now)
    attempted = 0
    for delivery_id in list(
        ArchiveDelivery.objects.filter(_due(now))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:200]
    ):
        if attempt(delivery_id, now=now, transport_factory=transport_factory) != "not due":
            attempted += 1
    return {"answers": answers, "unanswered": unanswered, "attempted": attempted}


def save_settings(*, municipality_id: int, values: dict[str, Any]) -> FiksSettings:
    """The administrator's choices (validated by the form; secrets are never here)."""
    with transaction.atomic():
        chosen: FiksSettings
        chosen, _created = FiksSettings.objects.select_for_update().get_or_create(
            municipality_id=municipality_id
        )
        for name in (
            "municipality_number",
            "archive_transport",
            "drop_folder",
            "archive_account",
            "reports_through_fiks",
        ):
            setattr(chosen, name, values[name])
        chosen.updated_at = timezone.now()
        chosen.full_clean()
        chosen.save()
        return chosen
