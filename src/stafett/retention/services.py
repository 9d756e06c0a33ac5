"""Deleting what has passed its time, one object per transaction, leaving a tombstone.

`run_retention` walks every municipality; each log or concern due is deleted in its
own transaction by `delete_log` / `delete_concern`, which lock the row and check again
in the query itself that it is still due (a log reopened in between is skipped, never
deleted). Each deletion takes every row that hangs on the object (`graph.collect`), the
child's own row when nothing else of the child is left, and the stored files (removed
once the transaction has committed), writes a `Tombstone`, and writes one row to the
access log (`retention.delete`, no actor: the system did it).

The access log is pruned per municipality after its own period by
`prune_access_log`, through `stafett.audit.pruning` (the one path that removes
access-log rows: a prefix of the chain, under a signed prune record), with one
tombstone for the run.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.audit.log import record_access
from stafett.audit.pruning import PrunePlan, plan_prune, prune_chain
from stafett.concerns.models import Concern
from stafett.logs.models import RelayLog
from stafett.organisation.models import Municipality
from stafett.people.models import Subject
from stafett.policy import Actor, enforce
from stafett.retention import selectors
from stafett.retention.graph import (
    Collected,
    chunks,
    collect,
    delete_collected,
    stored_files,
)
from stafett.retention.models import (
    ACCESS_LOG_MONTHS_MAX,
    ACCESS_LOG_MONTHS_MIN,
    CONCERN_MONTHS_MAX,
    RetentionRules,
    Tombstone,
)

logger = logging.getLogger(__name__)

CLOSED_LOG_YEARS_MAX = 100


class OpenLogError(Exception):
    """Raised when something asks to delete a log that is not closed."""


@dataclass
class Due:
    """One thing that would go (the dry run) or went: metadata only."""

    municipality: str
    kind: str
    uuid: str
    closed_at: datetime.datetime | None
    rule: str
    period_months: int


@dataclass
class AccessLogDue:
    """A municipality's access-log rows that go (or went) in one pruning: counts only."""

    municipality: str
    count: int
    from_seq: int
    upto_seq: int
    from_at: datetime.datetime
    to_at: datetime.datetime
    period_months: int


@dataclass
class RunReport:
    deleted: list[Due] = field(default_factory=list)
    would_delete: list[Due] = field(default_factory=list)
    skipped: int = 0
    failed: int = 0
    access_log_pruned: list[AccessLogDue] = field(default_factory=list)
    access_log_would_prune: list[AccessLogDue] = field(default_factory=list)
    # Closed logs past their time kept until their package is in the archive (issue 12).
    kept_for_archive: list[Due] = field(default_factory=list)


# ---------------------------------------------------------------------------
# The administrator's rules
# ---------------------------------------------------------------------------


def save_rules(
    *,
    actor: Actor,
    municipality: Municipality,
    closed_log_years: int,
    concern_months: int,
    access_log_months: int,
) -> RetentionRules:
    """Bad values raise ValidationError and change nothing."""
    with transaction.atomic():
        enforce(actor, "municipality.manage", municipality, outsiders_404=True)
        errors: dict[str, str] = {}
        if not 1 <= closed_log_years <= CLOSED_LOG_YEARS_MAX:
            errors["closed_log_years"] = _("Choose between 1 and %(max)d years.") % {
                "max": CLOSED_LOG_YEARS_MAX
            }
        if not 1 <= concern_months <= CONCERN_MONTHS_MAX:
            errors["concern_months"] = _("Choose between %(min)d and %(max)d months.") % {
                "min": 1,
                "max": CONCERN_MONTHS_MAX,
            }
        if not ACCESS_LOG_MONTHS_MIN <= access_log_months <= ACCESS_LOG_MONTHS_MAX:
            errors["access_log_months"] = _("Choose between %(min)d and %(max)d months.") % {
                "min": ACCESS_LOG_MONTHS_MIN,
                "max": ACCESS_LOG_MONTHS_MAX,
            }
        if errors:
            raise ValidationError(errors)
        municipality = Municipality.objects.select_for_update().get(pk=municipality.pk)
        municipality.retention_years = closed_log_years
        municipality.save(update_fields=["retention_years"])
        rules, _created = RetentionRules.objects.select_for_update().get_or_create(
            municipality=municipality
        )
        rules.concern_months = concern_months
        rules.access_log_months = access_log_months
        rules.updated_at = timezone.now()
        rules.full_clean(exclude=["municipality"])
        rules.save()
        return rules


# ---------------------------------------------------------------------------
# Deleting one object
# ---------------------------------------------------------------------------


def _with_orphaned_subject(found: Collected, subject_id: int | None) -> None:
    """Add the child's own row (name, birth date, guardianships) when nothing else of
    the child is left: no log and no concern outside what is being deleted."""
    if subject_id is None:
        return
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        return
    other_logs = RelayLog.objects.filter(subject_id=subject_id).exclude(pk__in=found.ids(RelayLog))
    other_concerns = Concern.objects.filter(subject_id=subject_id).exclude(
        pk__in=found.ids(Concern)
    )
    if not other_logs.exists() and not other_concerns.exists():
        collect([subject], into=found)


def _check_scope(found: Collected, *, municipality_id: int, log_ids: set[int]) -> None:
    """A last guard before anything is deleted: the walk stayed inside the object. No
    other relay log is reached, and every collected row that belongs to a municipality
    belongs to this one. Otherwise nothing is deleted (the transaction rolls back)."""
    if found.ids(RelayLog) != log_ids:
        raise RuntimeError("Retention: the deletion would reach another relay log.")
    for model, pks in found.rows.items():
        names = {f.attname for f in model._meta.concrete_fields}
        if "municipality_id" not in names:
            continue
        for chunk in chunks(pks):
            outside = model._base_manager.filter(pk__in=chunk).exclude(
                municipality_id=municipality_id
            )
            if outside.exists():
                raise RuntimeError("Retention: the deletion would cross a municipality.")


def _remove_files_after_commit(files: list[FieldFile]) -> None:
    targets = [(f.storage, f.name) for f in files if f.name]

    def remove() -> None:
        for storage, name in targets:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Retention: a stored file could not be removed")

    transaction.on_commit(remove)


def _finish(
    *,
    found: Collected,
    obj: RelayLog | Concern,
    tombstones: list[Tombstone],
    now: datetime.datetime,
) -> Tombstone:
    files = stored_files(found)
    record_access(
        actor=None,
        action="retention.delete",
        obj=obj,
        object_type=type(obj).__name__,
        reason=f"retention rule {tombstones[0].rule}",
        municipality_id=obj.municipality_id,
        at=now,
    )
    rows = delete_collected(found)
    tombstones[0].rows_deleted = rows
    tombstones[0].files_deleted = len(files)
    Tombstone.objects.bulk_create(tombstones)
    _remove_files_after_commit(files)
    return tombstones[0]


def delete_log(*, log_id: int, now: datetime.datetime | None = None) -> Tombstone | None:
    """Delete one closed log whose period has passed; None when it is not (or no longer)
    due. Refuses an open log outright."""
    now = now or timezone.now()
    with transaction.atomic():
        log = RelayLog.objects.select_for_update().filter(pk=log_id).first()
        if log is None:
            return None
        if log.status != RelayLog.Status.CLOSED or log.closed_at is None:
            raise OpenLogError(f"Relay log {log.uuid} is not closed: it cannot be deleted.")
        municipality = Municipality.objects.get(pk=log.municipality_id)
        months = selectors.periods_for(municipality).closed_log_months
        # The guard is in the query too: only a closed log closed before the period.
        due = selectors.due_logs_filter(
            RelayLog.objects.filter(pk=log.pk), before=selectors.cutoff(now, months)
        )
        if not due.exists() or _archive_copy(log, delete=True):
            return None
        found = collect([log])
        _with_orphaned_subject(found, log.subject_id)
        _check_scope(found, municipality_id=log.municipality_id, log_ids={log.pk})
        tombstones = [
            Tombstone(
                municipality_id=log.municipality_id,
                kind=Tombstone.Kind.LOG,
                original_uuid=log.uuid,
                original_id=log.pk,
                created_at=log.created_at,
                closed_at=log.closed_at,
                closed_how=log.close_reason,
                deleted_at=now,
                rule=Tombstone.Rule.CLOSED_LOG,
                period_months=months,
            )
        ]
        for concern in Concern.objects.filter(pk__in=found.ids(Concern)).order_by("id"):
            tombstones.append(
                Tombstone(
                    municipality_id=concern.municipality_id,
                    kind=Tombstone.Kind.CONCERN,
                    original_uuid=concern.uuid,
                    original_id=concern.pk,
                    created_at=concern.created_at,
                    closed_at=concern.carried_at,
                    closed_how=concern.status,
                    deleted_at=now,
                    rule=Tombstone.Rule.WITH_LOG,
                    period_months=months,
                )
            )
        return _finish(found=found, obj=log, tombstones=tombstones, now=now)


def _archive_copy(log: RelayLog, *, delete: bool) -> bool:
    """Issue 12 — the log's copy for the municipality's archive (`archive_copy`): True
    when the log must be kept because its archive package has not reached the archive
    (a transport is chosen). Otherwise, with `delete`, the log's archive folder goes
    after the commit and its hand-overs keep metadata only."""
    from stafett.retention import archive_copy

    if archive_copy.held_for_archive(municipality_id=log.municipality_id, log_uuid=log.uuid):
        return True
    if delete:
        archive_copy.release(municipality_id=log.municipality_id, log_uuid=log.uuid)
    return False


def delete_concern(*, concern_id: int, now: datetime.datetime | None = None) -> Tombstone | None:
    """Delete one concern closed at level 0 (no log, no report) whose period has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        concern = Concern.objects.select_for_update().filter(pk=concern_id).first()
        if concern is None:
            return None
        municipality = Municipality.objects.get(pk=concern.municipality_id)
        months = selectors.periods_for(municipality).concern_months
        row = (
            selectors.due_concerns_filter(
                Concern.objects.filter(pk=concern.pk), before=selectors.cutoff(now, months)
            )
            .values("closed_on")
            .first()
        )
        if row is None:
            return None
        found = collect([concern])
        _with_orphaned_subject(found, concern.subject_id)
        _check_scope(found, municipality_id=concern.municipality_id, log_ids=set())
        tombstone = Tombstone(
            municipality_id=concern.municipality_id,
            kind=Tombstone.Kind.CONCERN,
            original_uuid=concern.uuid,
            original_id=concern.pk,
            created_at=concern.created_at,
            closed_at=row["closed_on"],
            closed_how=concern.status,
            deleted_at=now,
            rule=Tombstone.Rule.CONCERN,
            period_months=months,
        )
        return _finish(found=found, obj=concern, tombstones=[tombstone], now=now)


# ---------------------------------------------------------------------------
# The run (the scheduled task and `manage.py retention`)
# ---------------------------------------------------------------------------


def _access_log_due(municipality: Municipality, plan: PrunePlan, months: int) -> AccessLogDue:
    return AccessLogDue(
        municipality=municipality.slug,
        count=plan.count,
        from_seq=plan.from_seq,
        upto_seq=plan.upto_seq,
        from_at=plan.from_at,
        to_at=plan.to_at,
        period_months=months,
    )


def access_log_due(municipality: Municipality, *, now: datetime.datetime) -> AccessLogDue | None:
    """What pruning the municipality's access log now would remove (the dry run)."""
    months = selectors.periods_for(municipality).access_log_months
    plan = plan_prune(municipality.id, before=selectors.cutoff(now, months))
    return _access_log_due(municipality, plan, months) if plan is not None else None


def prune_access_log(
    municipality: Municipality, *, now: datetime.datetime | None = None
) -> Tombstone | None:
    """Remove the municipality's access-log rows past its period (the oldest rows of its
    chain, up to the first row still inside the period), leaving a signed prune record,
    an `access_log.pruned` row in the chain and one tombstone: counts and dates only."""
    now = now or timezone.now()
    months = selectors.periods_for(municipality).access_log_months
    with transaction.atomic():
        record = prune_chain(
            municipality.id,
            before=selectors.cutoff(now, months),
            rule=str(Tombstone.Rule.ACCESS_LOG),
            period_months=months,
            now=now,
        )
        if record is None:
            return None
        return Tombstone.objects.create(
            municipality=municipality,
            kind=Tombstone.Kind.ACCESS_LOG,
            original_uuid=record.uuid,
            original_id=record.pk,
            created_at=record.from_at,
            closed_at=record.to_at,
            deleted_at=now,
            rule=Tombstone.Rule.ACCESS_LOG,
            period_months=months,
            rows_deleted=record.count,
        )


def run_retention(*, now: datetime.datetime | None = None, dry_run: bool = False) -> RunReport:
    """Delete (or, with `dry_run`, list) everything past its time, in every municipality.
    One failure is logged and the run goes on with the next object."""
    now = now or timezone.now()
    report = RunReport()
    for municipality in Municipality.objects.order_by("id"):
        periods = selectors.periods_for(municipality)
        logs: list[Any] = list(
            selectors.logs_due(municipality, now=now).values_list("id", "uuid", "closed_at")
        )
        concerns: list[Any] = list(
            selectors.concerns_due(municipality, now=now).values_list("id", "uuid", "closed_on")
        )
        for kind, rule, months, rows in (
            (Tombstone.Kind.LOG, Tombstone.Rule.CLOSED_LOG, periods.closed_log_months, logs),
            (Tombstone.Kind.CONCERN, Tombstone.Rule.CONCERN, periods.concern_months, concerns),
        ):
            for object_id, object_uuid, closed_at in rows:
                item = Due(
                    municipality=municipality.slug,
                    kind=str(kind),
                    uuid=str(object_uuid),
                    closed_at=closed_at,
                    rule=str(rule),
                    period_months=months,
                )
                if kind == Tombstone.Kind.LOG and _archive_copy(
                    RelayLog(id=object_id, uuid=object_uuid, municipality=municipality),
                    delete=False,
                ):
                    report.kept_for_archive.append(item)
                    continue
                if dry_run:
                    report.would_delete.append(item)
                    continue
                try:
                    if kind == Tombstone.Kind.LOG:
                        done = delete_log(log_id=object_id, now=now)
                    else:
                        done = delete_concern(concern_id=object_id, now=now)
                except OpenLogError:
                    # Reopened after it was listed: it is not closed, so it stays.
                    report.skipped += 1
                    continue
                except Exception:
                    logger.exception("Retention: deleting %s %s failed", kind, object_uuid)
                    report.failed += 1
                    continue
                if done is None:
                    report.skipped += 1
                else:
                    report.deleted.append(item)
        # Last, so that the rows `retention.delete` just wrote are in the chain.
        _prune_run(report, municipality, now=now, dry_run=dry_run)
    return report


def _prune_run(
    report: RunReport, municipality: Municipality, *, now: datetime.datetime, dry_run: bool
) -> None:
    due = access_log_due(municipality, now=now)
    if due is None:
        return
    if dry_run:
        report.access_log_would_prune.append(due)
        return
    try:
        stone = prune_access_log(municipality, now=now)
    except Exception:
        logger.exception("Retention: pruning the access log of %s failed", municipality.slug)
        report.failed += 1
        return
    if stone is not None:
        due.count = stone.rows_deleted
        report.access_log_pruned.append(due)
