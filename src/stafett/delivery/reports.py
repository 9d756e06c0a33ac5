"""The report to child welfare through Fiks bekymringsmelding (writes).

`send_through_fiks` sends a finished report (its author, where the municipality has set
it up): the offices are looked up for the municipality number, the report goes as JSON
in KS's schema with its PDF, encrypted for the office. Nothing is written unless Fiks has
taken it: a failure leaves the report as it was, with a clear message. Once sent, the
report is frozen (as when marked sent by hand) and the concern is "reported".

`poll_fiks_reports` (scheduled) follows each report's status on Fiks — accepted,
delivered, or sent on paper when the office has not fetched it within two working days
— and writes each new status into the concern's history. `remind_feedback_due` tells the
author when child welfare's feedback is due (three weeks after sending).
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stafett.concerns.models import (
    ChildWelfareReport,
    Concern,
    ConcernRecord,
    RecordKind,
    ReportVersion,
    SentHow,
    Step,
)
from stafett.core.errors import ServiceError
from stafett.delivery import config
from stafett.delivery.bekymring import (
    BekymringsmeldingClient,
    InvalidReport,
    Office,
    StatusLine,
)
from stafett.delivery.fiks_http import FiksApi
from stafett.delivery.models import FiksReport, FiksReportStatus, FiksSettings
from stafett.delivery.submission import TransportError
from stafett.logs import events
from stafett.policy import Actor, acting_user, concern_facts, enforce

logger = logging.getLogger(__name__)

FEEDBACK_AFTER = datetime.timedelta(weeks=3)
FIKS_NAME = "KS Fiks"
Status = FiksReport.Status


def report_client() -> BekymringsmeldingClient:
    """The real client, from the environment. Refused in the demo (NotConfigured)."""
    fiks = config.fiks_config()
    return BekymringsmeldingClient(FiksApi(fiks), fiks.org_id)


def fiks_settings(municipality_id: int) -> FiksSettings | None:
    chosen: FiksSettings | None = FiksSettings.objects.filter(
        municipality_id=municipality_id, reports_through_fiks=True
    ).first()
    if chosen is None or not chosen.municipality_number:
        return None
    return chosen


def missing_for_fiks(version: ReportVersion | None, author_email: str) -> list[str]:
    """What the report lacks before Fiks (KS's schema) takes it; empty when finished."""
    if version is None:
        return [_("Save the report first.")]
    missing = []
    if not version.child_name.strip():
        missing.append(_("the child's name"))
    if not version.child_address.strip():
        missing.append(_("the child's address"))
    if not _guardian_names(version.guardians):
        missing.append(_("the guardians"))
    if not re.fullmatch(r"[+]?[0-9]+([- ][0-9]+)*", version.reporter_phone.strip()):
        missing.append(_("your phone"))
    if not author_email:
        missing.append(_("your e-mail address (on your account)"))
    return missing


def _guardian_names(text: str) -> list[str]:
    names = [line.strip(" -•\t") for line in re.split(r"[\n;]", text or "")]
    return [n for n in names if n][:2]


def fiks_document(
    *,
    concern: Concern,
    version: ReportVersion,
    office: Office,
    settings: FiksSettings,
    email: str,
    now: datetime.datetime,
) -> dict[str, Any]:
    """The report as `offentlig.bekymringsmelding.v2` JSON. Stafett keeps no national
    identity numbers: `fnr` is empty and the birth date is written in the message."""
    informed = version.guardians_informed
    why = "" if informed else version.not_informed_why.strip()
    born = (
        f"Fødselsdato: {version.child_birth_date:%d.%m.%Y}\n\n" if version.child_birth_date else ""
    )
    unit = concern.unit
    return {
        "kommunenummer": settings.municipality_number,
        "kommunenavn": concern.municipality.name,
        "bydelsnummer": office.number,
        "bydelsnavn": office.name,
        "offentligMelder": {
            "personnavn": version.reporter_name,
            "rolle": version.reporter_role or "-",
            "telefonnummer": version.reporter_phone.strip(),
            "epost": email,
            "virksomhet": {
                "navn": version.reporter_unit or unit.name,
                "adresse": {"adresselinje1": unit.name},
            },
        },
        "offentligBarn": [
            {
                "fnr": "",
                "ufoedt": concern.kind == Concern.Kind.PREGNANT,
                "personnavn": version.child_name,
                "adresse": {"adresselinje1": version.child_address.replace("\n", ", ")},
                "orientert": informed,
                "orientertGrunn": why.replace("\n", " "),
            }
        ],
        "foresatte": [
            {"personnavn": name, "orientert": informed, "orientertGrunn": why.replace("\n", " ")}
            for name in _guardian_names(version.guardians)
        ],
        "melding": {
            "melding": born + version.observed,
            "historie": version.done or "-",
        },
        "sendingstidspunkt": now.astimezone(datetime.UTC).replace(microsecond=0).isoformat(),
        "leveringskanal": "Fagsystem",
    }


def offices_for(
    municipality_id: int, client: BekymringsmeldingClient | None = None
) -> list[Office]:
    """The municipality's child welfare offices on Fiks (ServiceError when it cannot)."""
    chosen = fiks_settings(municipality_id)
    if chosen is None:
        raise ServiceError(_("Your municipality has not set up sending reports through Fiks."))
    try:
        offices = (client or report_client()).offices(chosen.municipality_number)
    except config.NotConfigured:
        raise ServiceError(_("Sending through Fiks is not available here.")) from None
    except TransportError:
        raise ServiceError(_("Fiks could not be reached. Try again later.")) from None
    if not offices:
        raise ServiceError(_("Fiks lists no child welfare office for your municipality."))
    return offices


def _lock(concern: Concern) -> tuple[Concern, ChildWelfareReport | None]:
    locked = (
        Concern.objects.select_for_update(of=("self",))
        .select_related("municipality", "unit")
        .get(pk=concern.pk)
    )
    report = ChildWelfareReport.objects.select_for_update().filter(concern=locked).first()
    return locked, report


def _check(actor: Actor, concern: Concern, report: ChildWelfareReport | None) -> None:
    enforce(actor, "report.fiks_send", replace(concern_facts(actor, concern), report=report))
    if report is None or report.is_sent:
        raise ServiceError(_("This report is already sent."))


def send_through_fiks(
    *,
    actor: Actor,
    concern: Concern,
    office_number: str,
    client: BekymringsmeldingClient | None = None,
    now: datetime.datetime | None = None,
) -> FiksReport:
    """Send the finished report through Fiks. Nothing changes unless Fiks took it."""
    from stafett.concerns.pdf import report_pdf_bytes
    from stafett.concerns.selectors import report_page

    user = acting_user(actor)
    now = now or timezone.now()
    # One transaction, the report's row locked while Fiks is asked: a second click (or a
    # second tab) waits and then finds the report sent. Nothing is written unless Fiks
    # took the report; any failure rolls back to the report as it was.
    with transaction.atomic():
        concern, report = _lock(concern)
        _check(actor, concern, report)
        assert report is not None
        chosen = fiks_settings(concern.municipality_id)
        if chosen is None:
            raise ServiceError(_("Your municipality has not set up sending reports through Fiks."))
        page = report_page(report)
        missing = missing_for_fiks(page.latest, user.email)
        if missing:
            raise ServiceError(
                _("Before it can go through Fiks, the report needs: %(missing)s.")
                % {"missing": ", ".join(missing)}
            )
        assert page.latest is not None
        client = client or _client_or_refuse()
        offices = offices_for(concern.municipality_id, client)
        office = next((o for o in offices if o.number == office_number), None)
        if office is None:
            raise ServiceError(_("Choose the child welfare office to send the report to."))
        document = fiks_document(
            concern=concern,
            version=page.latest,
            office=office,
            settings=chosen,
            email=user.email,
            now=now,
        )
        pdf = report_pdf_bytes(concern, page)
        try:
            fiks_id = client.send(
                municipality_number=chosen.municipality_number,
                office=office.number,
                document=document,
                pdf=pdf,
            )
        except InvalidReport as error:
            logger.warning("A report did not fit KS's schema: %s", str(error)[:120])
            raise ServiceError(
                _(
                    "The report does not fit Fiks' form. Nothing was sent; check the "
                    "report's fields."
                )
            ) from None
        except TransportError as error:
            logger.warning("Sending a report through Fiks failed: %s", error)
            raise ServiceError(
                _(
                    "Fiks did not take the report. Nothing was sent and the report is "
                    "unchanged. Try again later, or send it another way and mark it as sent."
                )
            ) from None
        today = timezone.localtime(now).date()
        report.sent_on = today
        report.sent_how = SentHow.FIKS
        report.sent_to = office.name[:200]
        report.sent_at = now
        report.sent_by = user
        report.save(update_fields=["sent_on", "sent_how", "sent_to", "sent_at", "sent_by"])
        concern.status = Concern.Status.CHILD_WELFARE
        concern.step = Step.DECIDE
        concern.revision += 1
        concern.save(update_fields=["status", "step", "revision"])
        sent = FiksReport.objects.create(
            municipality_id=concern.municipality_id,
            report=report,
            sent_by=user,
            sent_at=now,
            fiks_id=fiks_id,
            office_number=office.number,
            office_name=office.name[:200],
            feedback_due=today + FEEDBACK_AFTER,
        )
        _history(concern, "report_fiks_sent", now, user=user, office=office.name)
        return sent


def _client_or_refuse() -> BekymringsmeldingClient:
    try:
        return report_client()
    except config.NotConfigured:
        raise ServiceError(_("Sending through Fiks is not available here.")) from None


def _history(
    concern: Concern, key: str, at: datetime.datetime, *, user: Any = None, **values: Any
) -> ConcernRecord:
    params = {"line": key, **events.params_for(key, events.CONCERN_LINES, **values)}
    with translation.override("en"):
        body = events.render(key, params, events.CONCERN_LINES)
    name = (user.get_full_name() or user.username) if user is not None else FIKS_NAME
    return ConcernRecord.objects.create(
        concern=concern,
        kind=RecordKind.REPORT,
        author=user,
        author_name=name,
        created_at=at,
        params=params,
        body=body,
    )


def _english(label: Any) -> str:
    """A choice's English label: its msgid, translated when the line is shown."""
    with translation.override("en"):
        return str(label)


def status_of(state: str) -> str | None:
    """Our reading of a Fiks `tilstand` (KS's words; see README for what is known)."""
    word = state.upper()
    if any(w in word for w in ("FEIL", "AVVIST", "FAILED", "ERROR")):
        return Status.FAILED
    if any(w in word for w in ("PRINT", "PAPIR", "UTSKRIFT", "POST")):
        return Status.PAPER
    if any(w in word for w in ("LEVERT", "NEDLASTET", "HENTET", "DELIVERED")):
        return Status.DELIVERED
    if any(w in word for w in ("MOTTATT", "AKSEPTERT", "SENDT", "ACCEPTED", "RECEIVED")):
        return Status.ACCEPTED
    return None


ORDER: list[str] = [Status.SENT, Status.ACCEPTED, Status.DELIVERED, Status.PAPER, Status.FAILED]


def record_statuses(sent: FiksReport, lines: list[StatusLine], now: datetime.datetime) -> int:
    """Store the new status lines; each one we understand becomes a history line."""
    added = 0
    known = set(FiksReportStatus.objects.filter(fiks_report=sent).values_list("state", "at"))
    concern = sent.report.concern
    for line in sorted(lines, key=lambda item: item.at):
        if (line.state, line.at) in known:
            continue
        status = status_of(line.state)
        FiksReportStatus.objects.create(
            fiks_report=sent, state=line.state, status=status or sent.status, at=line.at
        )
        known.add((line.state, line.at))
        if status is None:
            logger.info("Fiks reported a state Stafett does not know: %s", line.state)
            continue
        added += 1
        if ORDER.index(status) > ORDER.index(sent.status):
            sent.status = status
        _history(
            concern,
            "report_fiks_status",
            line.at,
            status=_english(Status(status).label),
            date=timezone.localtime(line.at).date(),
        )
    sent.polled_at = now
    sent.save(update_fields=["status", "polled_at"])
    return added


def poll_fiks_reports(
    *, now: datetime.datetime | None = None, client: BekymringsmeldingClient | None = None
) -> int:
    """Ask Fiks for the status of every report not yet at its end."""
    now = now or timezone.now()
    open_ids = list(
        FiksReport.objects.exclude(status__in=FiksReport.FINAL).values_list("id", flat=True)[:500]
    )
    if not open_ids:
        return 0
    try:
        client = client or report_client()
    except config.NotConfigured:
        return 0
    added = 0
    for fiks_report_id in open_ids:
        try:
            sent = FiksReport.objects.select_related("report__concern").get(id=fiks_report_id)
            lines = client.status(sent.fiks_id)
        except TransportError as error:
            logger.warning("Fiks status could not be read: %s", error)
            continue
        with transaction.atomic():
            added += record_statuses(sent, lines, now)
    return added


def remind_feedback_due(*, now: datetime.datetime | None = None) -> int:
    """Tell each author whose report's feedback is due (three weeks), once."""
    from stafett.notifications.services import report_feedback_due

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    due = (
        FiksReport.objects.filter(feedback_due__lte=today, reminded_at__isnull=True)
        .exclude(status=Status.FAILED)
        .select_related("report__author")
    )
    count = 0
    for sent in list(due[:500]):
        with transaction.atomic():
            report_feedback_due(report=sent.report, recipient=sent.report.author)
            FiksReport.objects.filter(id=sent.id).update(reminded_at=now)
        count += 1
    return count


def run_report_checks(
    *, now: datetime.datetime | None = None, client: BekymringsmeldingClient | None = None
) -> dict[str, int]:
    return {
        "statuses": poll_fiks_reports(now=now, client=client),
        "reminded": remind_feedback_due(now=now),
    }
