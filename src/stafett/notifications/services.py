"""Writes for notifications: record events, send e-mails, run the scheduled checks.

`notify` records one `Notification` per recipient, unique per (recipient, kind, object,
occasion): calling it twice for the same event adds nothing. Immediate notifications
get a `Delivery` at once; it is handed to the task queue when the transaction commits.

Sending (`deliver`) moves a delivery pending → sending → sent:
- "sending" is committed (with the attempt counted) *before* the e-mail goes out, and
  "sent" right after. A worker killed between the two leaves the row "sending"; once its
  lease has run out, the next sweep sends it again, with the same Message-ID, so that
  mail systems can drop the copy if the first one did get out. Everything committed as
  sent is never sent again; everything not sent yet is picked up: nothing is skipped.
- A failure that may pass (the SMTP server down) is tried again with back-off; a
  refused or invalid address fails at once. The row keeps the kind of error only.
- The policy is asked at send time: a recipient who has lost access is not told.

E-mails never contain content: no child's name, no entry text, no unit; they say that
something happened and link to the notification centre.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from stafett.accounts.login_failures import forget_old_login_failures
from stafett.accounts.models import User
from stafett.notifications.models import (
    Delivery,
    EmailSettings,
    Kind,
    Mode,
    Notification,
    NotificationPreference,
)
from stafett.policy import Actor, Decision, decide, enforce, family_reader_ids, may_notify

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY = datetime.timedelta(minutes=1)
# A delivery left "sending" this long was cut off (the worker died): send it again.
SENDING_LEASE = datetime.timedelta(minutes=10)
EXPIRY_WARNINGS = (30, 7)

# One sentence per kind, the whole of what an e-mail says about the event.
SENTENCES: dict[str, Any] = {
    Kind.MEASURE_ASSIGNED: _("You are now responsible for a measure in a relay log."),
    Kind.MEETING: _(
        "You are invited to a meeting in a relay log, or a meeting you are invited to has "
        "changed. The calendar file is attached."
    ),
    "meeting_cancel": _(
        "A meeting in a relay log is cancelled, or you are no longer invited to it. "
        "The calendar file is attached."
    ),
    Kind.HANDOVER_PROPOSED: _(
        "You are asked to take over the baton (become coordinator) of a relay log."
    ),
    Kind.HANDOVER_ACCEPTED: _("A handover of the baton of a relay log has been accepted."),
    Kind.BRIGHT_SPOT: _("A bright spot was added to a relay log."),
    Kind.CONSENT_EXPIRING: _(
        "The consent to a relay log ends in %(days)s days or less. If the work should go "
        "on, the consent must be renewed."
    ),
    Kind.CONSENT_ENDED: _(
        "Your access to a relay log has ended, because the consent has expired or was withdrawn."
    ),
    Kind.EVALUATION_DUE: _(
        "The evaluation date of a measure in a relay log has passed, and the measure has "
        "not been evaluated yet."
    ),
    # Never who said no nor why: the reason is shown on the consent page only.
    Kind.CONSENT_DECLINED: _(
        "The family said no to a request for consent in a relay log you coordinate. "
        "See the answer on the log's consent page."
    ),
    # Nothing about the child: the report is found under Concerns.
    Kind.REPORT_FEEDBACK_DUE: _(
        "Three weeks have passed since you sent a report to child welfare through Fiks. "
        "Child welfare should have given you feedback by now; if not, you may ask them."
    ),
}
SUBJECTS: dict[str, Any] = {
    Kind.MEASURE_ASSIGNED: _("Stafett: a measure is assigned to you"),
    Kind.MEETING: _("Stafett: meeting invitation"),
    "meeting_cancel": _("Stafett: meeting cancelled"),
    Kind.HANDOVER_PROPOSED: _("Stafett: you are offered the baton"),
    Kind.HANDOVER_ACCEPTED: _("Stafett: a handover was accepted"),
    Kind.BRIGHT_SPOT: _("Stafett: a new bright spot"),
    Kind.CONSENT_EXPIRING: _("Stafett: consent expires soon"),
    Kind.REPORT_FEEDBACK_DUE: _("Stafett: feedback on your report is due"),
    Kind.CONSENT_ENDED: _("Stafett: your access has ended"),
    Kind.EVALUATION_DUE: _("Stafett: an evaluation is overdue"),
    Kind.CONSENT_DECLINED: _("Stafett: the family said no to consent"),
}


def sentence(notification: Notification) -> str:
    """What happened, in the active language: the same words in the centre and e-mails."""
    if notification.kind == Kind.MEETING and notification.detail == "cancel":
        return str(SENTENCES["meeting_cancel"])
    text = str(SENTENCES[notification.kind])
    if notification.kind == Kind.CONSENT_EXPIRING:
        text = text % {"days": notification.occasion.split(":")[-1]}
    return text


def _subject_line(notification: Notification) -> str:
    if notification.kind == Kind.MEETING and notification.detail == "cancel":
        return str(SUBJECTS["meeting_cancel"])
    return str(SUBJECTS[notification.kind])


# --- Recording events -------------------------------------------------------------------


def event_key(kind: str, target: Any, occasion: str = "") -> str:
    """(kind, object, occasion): with the recipient, what makes an event happen once."""
    return f"{kind}:{target.uuid}:{occasion}"[:120]


def _told(kind: str, keys: list[str]) -> set[tuple[int, str]]:
    """(recipient, key) pairs already recorded: a check's repeat run costs one query."""
    told: set[tuple[int, str]] = set()
    for start in range(0, len(keys), 500):
        told |= set(
            Notification.objects.filter(kind=kind, key__in=keys[start : start + 500]).values_list(
                "recipient_id", "key"
            )
        )
    return told


def mode_for(user: User, kind: str) -> str:
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return pref.mode if pref is not None else Mode.IMMEDIATE


def notify(
    *,
    kind: str,
    recipients: Iterable[User | None],
    log: Any,
    entry: Any = None,
    consent: Any = None,
    handover: Any = None,
    occasion: str = "",
    detail: str = "",
) -> list[Notification]:
    """Record the event for each recipient (once: a repeat adds nothing) and queue the
    immediate e-mails for when the caller's transaction commits."""
    target = entry or consent or handover or log
    key = event_key(kind, target, occasion)
    people: dict[int, User] = {}
    for user in recipients:
        if user is not None and user.is_active and user.municipality_id == log.municipality_id:
            people[user.id] = user
    if not people:
        return []
    created: list[Notification] = []
    delivery_ids: list[int] = []
    with transaction.atomic():
        known = set(
            Notification.objects.filter(recipient_id__in=people, key=key).values_list(
                "recipient_id", flat=True
            )
        )
        for user_id, user in people.items():
            if user_id in known:
                continue
            mode = mode_for(user, kind)
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        municipality_id=log.municipality_id,
                        recipient=user,
                        kind=kind,
                        log=log,
                        entry=entry,
                        consent=consent,
                        handover=handover,
                        occasion=occasion,
                        detail=detail,
                        key=key,
                        mode=mode,
                    )
            except IntegrityError:
                continue  # recorded at the same moment by another process
            created.append(notification)
            if mode == Mode.IMMEDIATE:
                delivery = Delivery.objects.create(
                    municipality_id=log.municipality_id,
                    recipient=user,
                    mode=Mode.IMMEDIATE,
                    notification=notification,
                )
                delivery_ids.append(delivery.id)
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return created


def report_feedback_due(*, report: Any, recipient: User) -> Notification | None:
    """The author of a report sent through Fiks is reminded that child welfare's
    feedback is due (once per report). The e-mail says nothing about the child."""
    if not recipient.is_active or recipient.municipality_id != report.municipality_id:
        return None
    key = event_key(Kind.REPORT_FEEDBACK_DUE, report)
    with transaction.atomic():
        if Notification.objects.filter(recipient=recipient, key=key).exists():
            return None
        mode = mode_for(recipient, Kind.REPORT_FEEDBACK_DUE)
        notification = Notification.objects.create(
            municipality_id=report.municipality_id,
            recipient=recipient,
            kind=Kind.REPORT_FEEDBACK_DUE,
            key=key,
            mode=mode,
        )
        if mode == Mode.IMMEDIATE:
            delivery = Delivery.objects.create(
                municipality_id=report.municipality_id,
                recipient=recipient,
                mode=Mode.IMMEDIATE,
                notification=notification,
            )
            transaction.on_commit(lambda: enqueue_deliveries([delivery.id]))
    return notification


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Hand the deliveries to the worker. If this is lost (the process dies first), the
    scheduled sweep finds the pending rows: the rows, not the queue, are the truth."""
    from stafett.notifications.tasks import send_delivery

    for delivery_id in delivery_ids:
        try:
            send_delivery.enqueue(delivery_id)
        except Exception:  # the queue is unavailable: the sweep sends it later
            logger.exception("Could not queue delivery %s", delivery_id)


def log_people(log: Any) -> list[User]:
    """Everyone who may read the log now, roughly: the coordinator, the participants and
    the family. The policy is asked again for each at send time."""
    from stafett.logs.models import Participant
    from stafett.policy import family_reader_ids

    people: list[User] = [log.coordinator]
    people += [p.user for p in Participant.objects.current().filter(log=log).select_related("user")]
    # The family as the policy reads it: a youth who consents alone decides whether their
    # guardians are told anything at all.
    people += list(User.objects.filter(id__in=family_reader_ids(log)))
    return people


def _except(people: Iterable[User | None], actor: Actor) -> list[User | None]:
    me = actor.user.id if actor.user is not None else None
    return [p for p in people if p is not None and p.id != me]


def entry_written(*, actor: Actor, entry: Any, previous: Any = None) -> None:
    """Called by the log services when an entry is added (`previous` None) or gets a new
    version: measures (to the person made responsible), meetings (invitations, changes,
    cancellations, with a calendar file) and bright spots (to everyone on the log)."""
    from stafett.logs.models import EntryKind

    version = entry.latest
    log = entry.log
    occasion = f"v{version.number}"
    if entry.kind == EntryKind.MEASURE:
        if previous is None or previous.responsible_id != version.responsible_id:
            notify(
                kind=Kind.MEASURE_ASSIGNED,
                recipients=_except([version.responsible], actor),
                log=log,
                entry=entry,
                occasion=occasion,
            )
    elif entry.kind == EntryKind.MEETING:
        _meeting_written(actor=actor, entry=entry, version=version, previous=previous)
    elif entry.kind == EntryKind.BRIGHT_SPOT and previous is None:
        notify(
            kind=Kind.BRIGHT_SPOT,
            recipients=_except(log_people(log), actor),
            log=log,
            entry=entry,
        )


MEETING_FIELDS = ("starts_at", "place", "video_link", "meeting_kind", "cancelled")


def _meeting_written(*, actor: Actor, entry: Any, version: Any, previous: Any) -> None:
    if version.starts_at is not None and version.starts_at < timezone.now():
        # A meeting that has already begun is being recorded (minutes, who came): nobody
        # is invited to it, nor told it is cancelled.
        return
    invited = {u.id: u for u in version.invited.all()}
    before = {u.id: u for u in previous.invited.all()} if previous is not None else {}
    changed = previous is None or any(
        getattr(previous, name) != getattr(version, name) for name in MEETING_FIELDS
    )
    if version.cancelled:
        request: dict[int, User] = {}
        cancel = {} if previous is not None and previous.cancelled else {**before, **invited}
    else:
        request = invited if changed else {k: u for k, u in invited.items() if k not in before}
        cancel = {k: u for k, u in before.items() if k not in invited}
    occasion = f"v{version.number}"
    for detail, people in (("request", request), ("cancel", cancel)):
        notify(
            kind=Kind.MEETING,
            recipients=_except(people.values(), actor),
            log=entry.log,
            entry=entry,
            occasion=occasion,
            detail=detail,
        )


def handover_proposed(*, actor: Actor, handover: Any) -> None:
    notify(
        kind=Kind.HANDOVER_PROPOSED,
        recipients=_except([handover.to_user], actor),
        log=handover.log,
        handover=handover,
    )


def handover_accepted(*, actor: Actor, handover: Any) -> None:
    notify(
        kind=Kind.HANDOVER_ACCEPTED,
        recipients=_except([handover.from_user, handover.proposed_by], actor),
        log=handover.log,
        handover=handover,
    )


def consent_ended(*, log: Any, consent: Any, occasion: str) -> list[Notification]:
    """'Your access has ended' to the professionals who had it: the participants and the
    coordinator. Called by `withdraw_consent`, and by the daily check for expiry."""
    from stafett.logs.models import Participant

    people: list[User | None] = [log.coordinator]
    people += [p.user for p in Participant.objects.current().filter(log=log).select_related("user")]
    return notify(
        kind=Kind.CONSENT_ENDED, recipients=people, log=log, consent=consent, occasion=occasion
    )


def consent_declined(*, log: Any, consent: Any) -> list[Notification]:
    """'The family said no' to the log's current coordinator (the one who must ask anew
    or talk with them), once per request. Called by `decline_consent`, in its
    transaction: the e-mail is queued when it commits. No one else is told."""
    from stafett.policy import build_actor, is_current_coordinator

    coordinator = log.coordinator
    if coordinator is None or not is_current_coordinator(build_actor(coordinator, away=True), log):
        return []  # a baton held by someone who left the unit: nobody to tell
    return notify(kind=Kind.CONSENT_DECLINED, recipients=[coordinator], log=log, consent=consent)


# --- Scheduled checks --------------------------------------------------------------------


def check_consents(today: datetime.date | None = None) -> int:
    """Consent ending in 30 and in 7 days (to the coordinator and the consenting people),
    and consent that has expired (to the professionals). Returns notifications made."""
    from django.db.models import Prefetch

    from stafett.consent.models import Consent, ConsentGiver
    from stafett.consent.state import in_force as in_force_on
    from stafett.logs.models import RelayLog

    today = today or timezone.localdate()
    made = 0
    # Candidates only: whether each is the consent in force is the one rule's to say
    # (`consent.state`): a consent ended by a withdrawal of its chain is not warned about,
    # nor one whose renewal has been given (it is not ending: the renewal follows).
    candidates = (
        Consent.objects.filter(
            completed_at__isnull=False,
            withdrawn_at__isnull=True,
            replaced_by__isnull=True,
            valid_from__lte=today,
            valid_to__gte=today,
            valid_to__lte=today + datetime.timedelta(days=max(EXPIRY_WARNINGS)),
        )
        .exclude(log__status=RelayLog.Status.CLOSED)
        .select_related("log", "log__coordinator", "log__subject")
    )
    warnings = []
    for consent in candidates.prefetch_related(
        Prefetch(
            "givers",
            queryset=ConsentGiver.objects.filter(
                given_at__isnull=False, person__isnull=False
            ).select_related("person"),
            to_attr="consenters",
        ),
        Prefetch("log__consents", to_attr="all_consents"),
    ):
        current, _state = in_force_on(consent.log.all_consents, today)
        if current is None or current.pk != consent.pk:
            continue
        days = (consent.valid_to - today).days
        warning = min(w for w in EXPIRY_WARNINGS if days <= w)
        occasion = f"{consent.valid_to.isoformat()}:{warning}"
        people = [consent.log.coordinator, *(g.person for g in consent.consenters)]
        warnings.append((consent, occasion, people))
    told = _told(
        Kind.CONSENT_EXPIRING,
        [event_key(Kind.CONSENT_EXPIRING, c, occasion) for c, occasion, _p in warnings],
    )
    for consent, occasion, people in warnings:
        key = event_key(Kind.CONSENT_EXPIRING, consent, occasion)
        if all((p.id, key) in told for p in people):
            continue  # told before: no queries on a repeat run
        with transaction.atomic():
            made += len(
                notify(
                    kind=Kind.CONSENT_EXPIRING,
                    recipients=people,
                    log=consent.log,
                    consent=consent,
                    occasion=occasion,
                )
            )
    # Expired in the last week (older ones were told when they expired).
    expired = (
        Consent.objects.filter(
            completed_at__isnull=False,
            withdrawn_at__isnull=True,
            replaced_by__isnull=True,
            valid_to__lt=today,
            valid_to__gte=today - datetime.timedelta(days=7),
        )
        .exclude(log__status=RelayLog.Status.CLOSED)
        .select_related("log", "log__coordinator")
    )
    for consent in expired.prefetch_related(Prefetch("log__consents", to_attr="all_consents")):
        current, _state = in_force_on(consent.log.all_consents, today)
        if current is None or current.pk != consent.pk:
            continue  # a newer consent is in force, or a withdrawal ended this one
        with transaction.atomic():
            made += len(consent_ended(log=consent.log, consent=consent, occasion="expired"))
    return made


def check_evaluations(today: datetime.date | None = None) -> int:
    """Measures whose evaluation date has come without an evaluation: to the responsible
    person and the coordinator, once per evaluation date."""
    from stafett.logs.models import Entry, EntryKind, MeasureStatus, RelayLog

    today = today or timezone.localdate()
    made = 0
    due = Entry.objects.filter(
        kind=EntryKind.MEASURE,
        log__status=RelayLog.Status.ACTIVE,
        latest__evaluation_date__lte=today,
        latest__measure_status__in=[MeasureStatus.PLANNED, MeasureStatus.RUNNING],
    ).select_related("latest", "latest__responsible", "log", "log__coordinator")
    candidates = [
        (entry, entry.latest)
        for entry in due
        if entry.latest is not None and entry.latest.evaluation_date is not None
    ]
    told = _told(
        Kind.EVALUATION_DUE,
        [
            event_key(Kind.EVALUATION_DUE, e, v.evaluation_date.isoformat())
            for e, v in candidates
            if v.evaluation_date is not None
        ],
    )
    for entry, version in candidates:
        if version is None or version.evaluation_date is None:
            continue
        key = event_key(Kind.EVALUATION_DUE, entry, version.evaluation_date.isoformat())
        people = [version.responsible_id, entry.log.coordinator_id]
        if all(p is None or (p, key) in told for p in people):
            continue  # told before: no queries on a repeat run
        with transaction.atomic():
            made += len(
                notify(
                    kind=Kind.EVALUATION_DUE,
                    recipients=[version.responsible, entry.log.coordinator],
                    log=entry.log,
                    entry=entry,
                    occasion=version.evaluation_date.isoformat(),
                )
            )
    return made


def send_digests(now: datetime.datetime | None = None) -> list[int]:
    """Once a day, from STAFETT_DIGEST_HOUR (Oslo time): one e-mail per person with what
    they chose to get as a digest. One digest per person and day (a unique row), so a
    second run the same day sends nothing; what comes after waits for the next day."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.STAFETT_DIGEST_HOUR:
        return []
    today = local.date()
    ids: list[int] = []
    waiting = (
        Notification.objects.filter(mode=Mode.DIGEST, digest__isnull=True, created_at__lte=now)
        .order_by()
        .values_list("recipient_id", "municipality_id")
        .distinct()
    )
    for recipient_id, municipality_id in list(waiting):
        with transaction.atomic():
            delivery, made = Delivery.objects.get_or_create(
                recipient_id=recipient_id,
                digest_date=today,
                defaults={"mode": Mode.DIGEST, "municipality_id": municipality_id},
            )
            if not made:
                continue
            Notification.objects.filter(
                recipient_id=recipient_id,
                mode=Mode.DIGEST,
                digest__isnull=True,
                created_at__lte=now,
            ).update(digest=delivery)
            ids.append(delivery.id)
    for delivery_id in ids:
        deliver(delivery_id, now=now)
    return ids


def send_due(now: datetime.datetime | None = None) -> int:
    """Deliveries waiting or due for another try, and those cut off mid-send."""
    now = now or timezone.now()
    due = Delivery.objects.filter(_due(now)).order_by("next_attempt_at", "id")
    count = 0
    for delivery_id in list(due.values_list("id", flat=True)[:500]):
        if deliver(delivery_id, now=now) != "not due":
            count += 1
    return count


def run_checks(now: datetime.datetime | None = None) -> dict[str, int]:
    """Everything the scheduler asks for, every few minutes. Safe to run twice."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    return {
        "consents": check_consents(today),
        "evaluations": check_evaluations(today),
        "digests": len(send_digests(now)),
        "sent": send_due(now),
        "login_failures_forgotten": forget_old_login_failures(now),
        "archive_retries": _retry_archive_builds(now),
    }


def _retry_archive_builds(now: datetime.datetime) -> int:
    """Failed archive documents due for another attempt (issue 12)."""
    from stafett.archive.services import retry_due

    return retry_due(now)


# --- Sending -------------------------------------------------------------------------------


def _due(now: datetime.datetime) -> Q:
    return Q(
        status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING], next_attempt_at__lte=now
    ) | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - SENDING_LEASE)


def backoff(attempts: int) -> datetime.timedelta:
    """1, 4, 16, 64, 256 minutes after the 1st, 2nd, ... failed attempt."""
    factor: int = 4 ** max(attempts - 1, 0)
    return FIRST_RETRY * factor


class NothingToSend(Exception):
    """The delivery is not sent: the reason is a word, never content. `status` is
    skipped (nobody to tell) or failed (an address that cannot work: the administrator's
    page lists it)."""

    def __init__(self, reason: str, status: str = "skipped") -> None:
        super().__init__(reason)
        self.status = status


def deliver(delivery_id: int, *, now: datetime.datetime | None = None) -> str:
    """Send one delivery if it is due; returns its new status (or "not due")."""
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(id=delivery_id)
        .filter(_due(now))
        .update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not due"
    delivery = Delivery.objects.select_related(
        "recipient", "recipient__municipality", "notification"
    ).get(id=delivery_id)
    try:
        message = build_message(delivery)
    except NothingToSend as reason:
        _finish(delivery, reason.status, error=str(reason))
        return reason.status
    except Exception as error:  # a fault of ours (a template, the data): not for ever
        logger.exception("Delivery %s could not be written", delivery.uuid)
        return _try_again(delivery, now, type(error).__name__)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        # The address bounced: trying again will not help.
        logger.warning("Delivery %s: the address was refused", delivery.uuid)
        _finish(delivery, Delivery.Status.FAILED, error="SMTPRecipientsRefused")
        return Delivery.Status.FAILED
    except Exception as error:  # the mail server down, a timeout, a refusal of the message
        code = getattr(error, "smtp_code", None)
        label = f"{type(error).__name__} {code}" if code else type(error).__name__
        return _try_again(delivery, now, label)
    _finish(delivery, Delivery.Status.SENT, sent_at=now)
    return Delivery.Status.SENT


def _try_again(delivery: Delivery, now: datetime.datetime, label: str) -> str:
    """Another try after a pause that grows, or failed for good after MAX_ATTEMPTS."""
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.warning("Delivery %s failed for good: %s", delivery.uuid, label)
        _finish(delivery, Delivery.Status.FAILED, error=label)
        return Delivery.Status.FAILED
    logger.warning("Delivery %s failed (%s); will try again", delivery.uuid, label)
    Delivery.objects.filter(id=delivery.id).update(
        status=Delivery.Status.RETRYING,
        next_attempt_at=now + backoff(delivery.attempts),
        last_error=label[:200],
    )
    return Delivery.Status.RETRYING


def _finish(
    delivery: Delivery, status: str, *, error: str = "", sent_at: datetime.datetime | None = None
) -> None:
    Delivery.objects.filter(id=delivery.id).update(
        status=status, last_error=error[:200], sent_at=sent_at
    )


def email_language(user: User) -> str:
    """The person's own choice, else `default_email_language`."""
    own = EmailSettings.objects.filter(user=user).values_list("language", flat=True).first()
    return own or default_email_language(user)


def default_email_language(user: User) -> str:
    """The municipality's language, else the installation's."""
    if user.municipality is not None:
        return str(user.municipality.language)
    return str(settings.LANGUAGE_CODE)


def centre_url() -> str:
    return settings.STAFETT_BASE_URL.rstrip("/") + reverse("notifications:centre")


def _may_be_told(notification: Notification) -> bool:
    if notification.kind == Kind.REPORT_FEEDBACK_DUE:
        # About the person's own report: told while they work in the municipality.
        return bool(
            notification.recipient.is_active
            and notification.recipient.municipality_id == notification.municipality_id
        )
    if notification.log is None:
        return False
    return may_notify(
        notification.recipient, notification.kind, notification.log, notification.handover
    )


def build_message(delivery: Delivery) -> EmailMultiAlternatives:
    person = delivery.recipient
    if not person.is_active:
        raise NothingToSend("inactive")
    if not person.email:
        raise NothingToSend("no address")
    try:
        validate_email(person.email)
    except ValidationError:
        logger.warning("Delivery %s: the address is not valid", delivery.uuid)
        raise NothingToSend("invalid address", Delivery.Status.FAILED) from None
    if delivery.mode == Mode.IMMEDIATE:
        notification = delivery.notification
        assert notification is not None
        items = [notification] if _may_be_told(_full(notification)) else []
    else:
        items = [
            n
            for n in Notification.objects.filter(digest=delivery)
            .select_related("recipient", "log", "log__subject", "handover", "entry")
            .order_by("created_at", "id")
            if _may_be_told(n)
        ]
    if not items:
        raise NothingToSend("no access")
    link = centre_url()
    with translation.override(email_language(person)):
        lines = [sentence(n) for n in items]
        context = {
            "person": person,
            "lines": lines,
            "link": link,
            "digest": delivery.mode == Mode.DIGEST,
        }
        if delivery.mode == Mode.DIGEST:
            subject = str(_("Stafett: your daily summary"))
        else:
            subject = _subject_line(items[0])
        body = render_to_string("notifications/email/notice.txt", context)
        html = render_to_string("notifications/email/notice.html", context)
        message = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
            headers={"Message-ID": f"<delivery-{delivery.uuid}@stafett>"},
        )
        message.attach_alternative(html, "text/html")
        _attach_calendars(message, items, person, link)
    return message


def _full(notification: Notification) -> Notification:
    """The notification with what the policy and the calendar file need."""
    full: Notification = Notification.objects.select_related(
        "recipient", "log", "log__subject", "handover", "entry"
    ).get(pk=notification.pk)
    return full


def _attach_calendars(
    message: EmailMultiAlternatives, items: list[Notification], person: User, link: str
) -> None:
    from stafett.logs.models import EntryVersion
    from stafett.notifications.ics import meeting_ics

    # The newest word on each meeting only.
    latest: dict[int, Notification] = {}
    for n in items:
        if n.kind == Kind.MEETING and n.entry is not None:
            latest[n.entry.id] = n
    for n in latest.values():
        number = int(n.occasion.removeprefix("v") or "1")
        version = EntryVersion.objects.filter(entry=n.entry, number=number).first()
        if version is None or version.starts_at is None:
            continue
        method = "CANCEL" if n.detail == "cancel" else "REQUEST"
        ics = meeting_ics(
            entry=n.entry, version=version, method=method, attendee_email=person.email, link=link
        )
        message.attach("meeting.ics", ics, f"text/calendar; method={method}")


# --- The centre and preferences ----------------------------------------------------------


def mark_read(*, actor: Actor, notification_ids: Iterable[int]) -> int:
    if decide(actor, "notification.list") is not Decision.ALLOW or actor.user is None:
        return 0
    with transaction.atomic():
        return Notification.objects.filter(
            recipient=actor.user, id__in=list(notification_ids), read_at__isnull=True
        ).update(read_at=timezone.now())


def settle_for_family_without_access(*, log: Any, user_ids: Iterable[int]) -> int:
    """Family members who can no longer read the log (a youth who consents alone stopped
    sharing it, or withdrew): their unread notifications about it are marked read, so no
    count of unread items hints at a log they are not told about. Nothing is sent. Called
    by the consent services, in their transaction."""
    ids = set(user_ids) - family_reader_ids(log)
    if not ids:
        return 0
    return Notification.objects.filter(recipient_id__in=ids, log=log, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def set_preferences(*, actor: Actor, modes: dict[str, str], language: str) -> None:
    enforce(actor, "notification.preferences")
    if actor.user is None:
        raise PermissionDenied
    user = actor.user
    with transaction.atomic():
        for kind, mode in modes.items():
            if kind in Kind.values and mode in Mode.values:
                NotificationPreference.objects.update_or_create(
                    user=user, kind=kind, defaults={"mode": mode}
                )
        if language == "" or language in dict(settings.LANGUAGES):
            EmailSettings.objects.update_or_create(user=user, defaults={"language": language})
