"""The API's endpoints. Thin, like the web's views: the policy's access helpers fetch
every protected object (404 to outsiders, 403 to insiders), services write, selectors
read, and each read of child data writes its access-log row in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Status
from ninja.params.functions import Query

from stafett.accounts.models import User
from stafett.api import selectors
from stafett.api.api import api
from stafett.api.errors import ApiError
from stafett.api.schemas import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AccessRowOut,
    ConsentOut,
    EntryIn,
    EntryOut,
    EntryPatch,
    ErrorOut,
    LogOut,
    MeasureIn,
    MeasurePatch,
    MeetingIn,
    MeetingPatch,
    PageOut,
    ServiceOut,
    UnitOut,
)
from stafett.audit import selectors as audit_selectors
from stafett.audit.log import record_accesses
from stafett.consent.models import Consent
from stafett.guides.models import FilledForm
from stafett.logs import selectors as log_selectors
from stafett.logs import services as log_services
from stafett.logs.models import Entry, EntryKind, RelayLog
from stafett.logs.views_family import youth_visits_hidden_from
from stafett.organisation.models import ServiceKind, Unit
from stafett.policy import (
    LogFacts,
    access_log,
    access_log_page,
    access_municipality,
    access_service_kind,
    access_unit,
    actor_for,
    authorize,
    record_log_read,
    visible_entries,
)

# Every endpoint may answer with these, in the one error format (stafett.api.errors).
ERROR_CODES = frozenset({400, 401, 403, 404, 413, 415, 422, 429})
WRITE_ERROR_CODES = ERROR_CODES | {409}
ERRORS: dict[Any, Any] = {ERROR_CODES: ErrorOut}
WRITE_ERRORS: dict[Any, Any] = {WRITE_ERROR_CODES: ErrorOut}


LIMIT: Any = Query(
    DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size (at most 100)."
)
OFFSET: Any = Query(0, ge=0, le=1_000_000)


def _paged(count: int, limit: int, offset: int, items: list[Any]) -> dict[str, Any]:
    return {"count": count, "limit": limit, "offset": offset, "items": items}


# --- Units and services ----------------------------------------------------------------


def _service(kind: ServiceKind) -> dict[str, Any]:
    return {
        "uuid": kind.uuid,
        "name": kind.name,
        "category": kind.category,
        "is_active": kind.is_active,
    }


def _unit(unit: Unit) -> dict[str, Any]:
    return {
        "uuid": unit.uuid,
        "name": unit.name,
        "service": _service(unit.service_kind),
        "email": unit.email,
        "phone": unit.phone,
        "is_active": unit.is_active,
    }


@api.get("/units", response={200: PageOut[UnitOut], **ERRORS}, url_name="units", tags=["structure"])
def units(request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET) -> dict[str, Any]:
    """The municipality's units (schools, kindergartens, health stations …)."""
    municipality = access_municipality(request, "municipality.view_structure")
    rows = Unit.objects.in_municipality(municipality.id).select_related("service_kind")
    count, page = selectors.page_of(rows.order_by("name", "id"), limit=limit, offset=offset)
    return _paged(count, limit, offset, [_unit(u) for u in page])


@api.get(
    "/units/{uuid:unit}", response={200: UnitOut, **ERRORS}, url_name="unit", tags=["structure"]
)
def unit(request: HttpRequest, unit: uuid.UUID) -> dict[str, Any]:
    return _unit(access_unit(request, unit, "unit.view"))


@api.get(
    "/services",
    response={200: PageOut[ServiceOut], **ERRORS},
    url_name="services",
    tags=["structure"],
)
def services(request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET) -> dict[str, Any]:
    """The municipality's kinds of service (basis, help and adult services)."""
    municipality = access_municipality(request, "municipality.view_structure")
    rows = ServiceKind.objects.filter(municipality_id=municipality.id).order_by("name", "id")
    count, page = selectors.page_of(rows, limit=limit, offset=offset)
    return _paged(count, limit, offset, [_service(k) for k in page])


@api.get(
    "/services/{uuid:service}",
    response={200: ServiceOut, **ERRORS},
    url_name="service",
    tags=["structure"],
)
def service(request: HttpRequest, service: uuid.UUID) -> dict[str, Any]:
    return _service(access_service_kind(request, service, "service_kind.view"))


# --- Relay logs ----------------------------------------------------------------------------


def _named(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"uuid": user.uuid, "name": user.get_full_name() or user.username}


def _log(log: RelayLog, facts: LogFacts, content: bool) -> dict[str, Any]:
    subject = log.subject
    return {
        "uuid": log.uuid,
        "subject": {
            "uuid": subject.uuid,
            "first_name": subject.first_name,
            "last_name": subject.last_name,
            "birth_date": subject.birth_date,
        },
        "unit": {"uuid": log.unit.uuid, "name": log.unit.name},
        "coordinator": _named(log.coordinator),
        "level": log.level,
        "step": log.step,
        "status": log.status,
        "consent_state": str(facts.consent_state) if facts.consent_state is not None else None,
        "created_at": log.created_at,
        "updated_at": log.updated_at,
        "revision": log.revision,
        "role": facts.role,
        "content": content,
    }


@api.get("/logs", response={200: PageOut[LogOut], **ERRORS}, url_name="logs", tags=["logs"])
def logs(request: HttpRequest, limit: int = LIMIT, offset: int = OFFSET) -> dict[str, Any]:
    """The relay logs the caller may see: as coordinator, participant (while the consent
    covers their unit), the unit's leader (where it stands only) or family. Listing a
    log is a read of the child's identity and is written to the access log."""
    actor = authorize(request, "log.list")
    with transaction.atomic():
        count, listed = selectors.logs_page(actor, limit=limit, offset=offset)
        record_accesses(
            actor=actor.user,
            action="log.list",
            objects=[item.log.subject for item in listed],
            role_for=lambda s: next(i.facts.role for i in listed if i.log.subject_id == s.id),
            reason="API",
            request=request,
        )
    return _paged(count, limit, offset, [_log(i.log, i.facts, i.content) for i in listed])


@api.get("/logs/{uuid:log}", response={200: LogOut, **ERRORS}, url_name="log", tags=["logs"])
def log(request: HttpRequest, log: uuid.UUID) -> dict[str, Any]:
    """One relay log: where it stands. `content` tells whether its entries can be read."""
    with transaction.atomic():
        obj, facts, full = access_log_page(request, log)
        return _log(obj, facts, full)


# --- Entries, measures, meetings --------------------------------------------------------------


def _entry(entry: Entry) -> dict[str, Any]:
    latest = entry.latest
    assert latest is not None
    return {
        "uuid": entry.uuid,
        "kind": entry.kind,
        "created_at": entry.created_at,
        "version": entry.version_count,
        "author": latest.author_name,
        "author_role": latest.author_role,
        "changed_at": latest.created_at,
        "title": latest.title,
        "body": latest.body,
        "responsible": _named(latest.responsible),
        "start_date": latest.start_date,
        "evaluation_date": latest.evaluation_date,
        "measure_status": latest.measure_status,
        "meeting_kind": latest.meeting_kind,
        "starts_at": latest.starts_at,
        "place": latest.place,
        "video_link": latest.video_link,
        "agenda": latest.agenda,
        "minutes": latest.minutes,
        "decisions": latest.decisions,
        "cancelled": latest.cancelled,
        "invited": [_named(u) for u in latest.invited.all()],
    }


def _entries(
    request: HttpRequest, log_uuid: uuid.UUID, kind: str | None, limit: int, offset: int
) -> dict[str, Any]:
    with transaction.atomic():
        obj, facts = access_log(request, log_uuid, "log.view", reason="API")
        visible = visible_entries(actor_for(request), facts)
        rows = log_selectors.timeline_queryset(obj, kind, visible=visible)
        count, page = selectors.page_of(rows, limit=limit, offset=offset)
        return _paged(count, limit, offset, [_entry(e) for e in page])


def _one_entry(
    request: HttpRequest, log_uuid: uuid.UUID, entry_uuid: uuid.UUID, kinds: set[str]
) -> dict[str, Any]:
    with transaction.atomic():
        obj, facts = access_log(request, log_uuid, "log.view", reason="API")
        found = log_selectors.entry_in_log(
            obj, entry_uuid, visible=visible_entries(actor_for(request), facts)
        )
        if found is None or found.kind not in kinds:
            raise Http404
        return _entry(found)


def _user_in(log: RelayLog, person: uuid.UUID | None) -> User | None:
    if person is None:
        return None
    return User.objects.filter(uuid=person, municipality_id=log.municipality_id).first()


def _people_in(log: RelayLog, people: list[uuid.UUID]) -> list[User]:
    found = list(User.objects.filter(uuid__in=set(people), municipality_id=log.municipality_id))
    if len(found) != len(set(people)):
        raise ApiError(422, "invalid", _("Only people in this log can be invited to its meetings."))
    return found


def _add(request: HttpRequest, log_uuid: uuid.UUID, kind: str, fields: dict[str, Any]) -> Entry:
    """Add an entry as the web does (the same service, the same double-submit guard)."""
    actor = actor_for(request)
    obj, _facts = access_log(
        request, log_uuid, log_services.WRITE_ACTION.get(EntryKind(kind), "log.write")
    )
    user = actor.user
    assert user is not None
    with transaction.atomic():
        log_services.lock_log(obj)
        duplicate = log_selectors.recent_duplicate(obj, kind=kind, user=user, fields=fields)
        if duplicate is not None:
            entry = duplicate
        else:
            entry = log_services.add_entry(actor=actor, log=obj, kind=kind, **fields)
    return _reload(obj, entry)


def _reload(log: RelayLog, entry: Entry) -> Entry:
    found = log_selectors.entry_in_log(log, entry.uuid, visible=Q())
    assert found is not None
    return found


def _edit(
    request: HttpRequest,
    log_uuid: uuid.UUID,
    entry_uuid: uuid.UUID,
    kinds: set[str],
    base_version: int,
    fields: dict[str, Any],
) -> Entry:
    """A new version of the entry, as on the web: the same service, the same check that
    nobody saved in between (`base_version`, else 409 and nothing is overwritten)."""
    actor = actor_for(request)
    with transaction.atomic():
        obj, facts = access_log(request, log_uuid, "log.view", reason="edit")
        found = log_selectors.editable_entry_in_log(
            obj, entry_uuid, visible=visible_entries(actor, facts)
        )
        if found is None or found.kind not in kinds:
            raise Http404
    if facts.is_closed:
        raise ApiError(403, "forbidden", _("The log is closed. Nothing in it can be changed."))
    log_services.edit_entry(actor=actor, entry=found, base_version=base_version, **fields)
    return _reload(obj, found)


def _given(payload: Any) -> dict[str, Any]:
    """The fields a PATCH names with a value; null means "leave as it is"."""
    return {
        k: v
        for k, v in payload.model_dump(exclude_unset=True).items()
        if v is not None and k != "base_version"
    }


TEXT_KINDS = {"note", "understanding", "goal", "bright_spot", "child_voice"}


@api.get(
    "/logs/{uuid:log}/entries",
    response={200: PageOut[EntryOut], **ERRORS},
    url_name="entries",
    tags=["entries"],
)
def entries(
    request: HttpRequest,
    log: uuid.UUID,
    kind: EntryKind | None = None,
    limit: int = LIMIT,
    offset: int = OFFSET,
) -> dict[str, Any]:
    """Everything in the log the caller may read, newest first (optionally one kind)."""
    return _entries(request, log, kind.value if kind else None, limit, offset)


@api.post(
    "/logs/{uuid:log}/entries",
    response={201: EntryOut, **WRITE_ERRORS},
    tags=["entries"],
)
def entry_add(request: HttpRequest, log: uuid.UUID, payload: EntryIn) -> Status[Any]:
    """Write a note, a goal, the shared understanding, a bright spot or the child's voice."""
    fields = payload.model_dump(exclude={"kind"})
    if payload.kind != "goal":
        fields.pop("title")
    return Status(201, _entry(_add(request, log, payload.kind, fields)))


@api.get(
    "/logs/{uuid:log}/entries/{uuid:entry}",
    response={200: EntryOut, **ERRORS},
    url_name="entry",
    tags=["entries"],
)
def entry(request: HttpRequest, log: uuid.UUID, entry: uuid.UUID) -> dict[str, Any]:
    return _one_entry(request, log, entry, set(EntryKind.values))


@api.patch(
    "/logs/{uuid:log}/entries/{uuid:entry}",
    response={200: EntryOut, **WRITE_ERRORS},
    tags=["entries"],
)
def entry_edit(
    request: HttpRequest, log: uuid.UUID, entry: uuid.UUID, payload: EntryPatch
) -> dict[str, Any]:
    """A new version of a note, goal, shared understanding, bright spot or the child's
    voice; earlier versions are kept."""
    found = _edit(request, log, entry, TEXT_KINDS, payload.base_version, _given(payload))
    return _entry(found)


@api.get(
    "/logs/{uuid:log}/measures",
    response={200: PageOut[EntryOut], **ERRORS},
    url_name="measures",
    tags=["measures"],
)
def measures(
    request: HttpRequest, log: uuid.UUID, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    return _entries(request, log, EntryKind.MEASURE, limit, offset)


@api.post("/logs/{uuid:log}/measures", response={201: EntryOut, **WRITE_ERRORS}, tags=["measures"])
def measure_add(request: HttpRequest, log: uuid.UUID, payload: MeasureIn) -> Status[Any]:
    obj = _log_for_write(request, log)
    fields = payload.model_dump()
    fields["responsible"] = _user_in(obj, payload.responsible)
    return Status(201, _entry(_add(request, log, EntryKind.MEASURE, fields)))


@api.get(
    "/logs/{uuid:log}/measures/{uuid:entry}",
    response={200: EntryOut, **ERRORS},
    url_name="measure",
    tags=["measures"],
)
def measure(request: HttpRequest, log: uuid.UUID, entry: uuid.UUID) -> dict[str, Any]:
    return _one_entry(request, log, entry, {EntryKind.MEASURE})


@api.patch(
    "/logs/{uuid:log}/measures/{uuid:entry}",
    response={200: EntryOut, **WRITE_ERRORS},
    tags=["measures"],
)
def measure_edit(
    request: HttpRequest, log: uuid.UUID, entry: uuid.UUID, payload: MeasurePatch
) -> dict[str, Any]:
    obj = _log_for_write(request, log)
    fields = _given(payload)
    if "responsible" in fields:
        fields["responsible"] = _user_in(obj, payload.responsible)
    found = _edit(request, log, entry, {EntryKind.MEASURE}, payload.base_version, fields)
    return _entry(found)


@api.get(
    "/logs/{uuid:log}/meetings",
    response={200: PageOut[EntryOut], **ERRORS},
    url_name="meetings",
    tags=["meetings"],
)
def meetings(
    request: HttpRequest, log: uuid.UUID, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    return _entries(request, log, EntryKind.MEETING, limit, offset)


@api.post("/logs/{uuid:log}/meetings", response={201: EntryOut, **WRITE_ERRORS}, tags=["meetings"])
def meeting_add(request: HttpRequest, log: uuid.UUID, payload: MeetingIn) -> Status[Any]:
    obj = _log_for_write(request, log)
    fields = payload.model_dump()
    fields["invited"] = _people_in(obj, payload.invited)
    return Status(201, _entry(_add(request, log, EntryKind.MEETING, fields)))


@api.get(
    "/logs/{uuid:log}/meetings/{uuid:entry}",
    response={200: EntryOut, **ERRORS},
    url_name="meeting",
    tags=["meetings"],
)
def meeting(request: HttpRequest, log: uuid.UUID, entry: uuid.UUID) -> dict[str, Any]:
    return _one_entry(request, log, entry, {EntryKind.MEETING})


@api.patch(
    "/logs/{uuid:log}/meetings/{uuid:entry}",
    response={200: EntryOut, **WRITE_ERRORS},
    tags=["meetings"],
)
def meeting_edit(
    request: HttpRequest, log: uuid.UUID, entry: uuid.UUID, payload: MeetingPatch
) -> dict[str, Any]:
    obj = _log_for_write(request, log)
    fields = _given(payload)
    if "invited" in fields:
        fields["invited"] = _people_in(obj, payload.invited or [])
    found = _edit(request, log, entry, {EntryKind.MEETING}, payload.base_version, fields)
    return _entry(found)


def _log_for_write(request: HttpRequest, log_uuid: uuid.UUID) -> RelayLog:
    """The log, for resolving the people a write names (404 to outsiders, 403 to
    insiders who may not write, before anything is looked up)."""
    obj, _facts = access_log(request, log_uuid, "log.write")
    return cast(RelayLog, obj)


# --- Consent and who has read the log ---------------------------------------------------------


@api.get(
    "/logs/{uuid:log}/consent",
    response={200: ConsentOut, **ERRORS},
    url_name="consent",
    tags=["consent"],
)
def consent(request: HttpRequest, log: uuid.UUID) -> dict[str, Any]:
    """The consent in force (or the latest one) and the units it covers."""
    with transaction.atomic():
        obj, facts = access_log(request, log, "consent.view")
        record_log_read(request, obj, facts, "consent.view", reason="API")
        current: Consent | None = facts.consent
        units = []
        if current is not None and facts.scope_unit_ids:
            units = [
                {"uuid": u.uuid, "name": u.name}
                for u in Unit.objects.filter(id__in=facts.scope_unit_ids).order_by("name")
            ]
        state = facts.consent_state
        return {
            "uuid": current.uuid if current is not None else None,
            "state": str(state) if state is not None else None,
            "grants_access": bool(state is not None and state.grants_access),
            "valid_from": current.valid_from if current is not None else None,
            "valid_to": current.valid_to if current is not None else None,
            "method": current.method if current is not None else "",
            "completed_at": current.completed_at if current is not None else None,
            "withdrawn_at": current.withdrawn_at if current is not None else None,
            "units": units,
        }


@api.get(
    "/logs/{uuid:log}/access-log",
    response={200: PageOut[AccessRowOut], **ERRORS},
    url_name="access_log",
    tags=["consent"],
)
def access_log_rows(
    request: HttpRequest, log: uuid.UUID, limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """Who has read the log (innsynslogg), newest first: for the family, as on the web.
    Reading it is a read too, and is listed with the others."""
    with transaction.atomic():
        obj, facts = access_log(request, log, "log.access_list")
        record_log_read(request, obj, facts, "log.access_list", reason="API")
        objects = [
            obj.uuid,
            *Consent.objects.filter(log=obj).values_list("uuid", flat=True),
            *FilledForm.objects.filter(entry__log=obj).values_list("uuid", flat=True),
        ]
        hidden = youth_visits_hidden_from(obj, facts)
        rows = audit_selectors.log_reads(objects, hide_actor_id=hidden)
        count, page = selectors.page_of(rows, limit=limit, offset=offset)
        items = [
            {
                "at": row.at,
                "who": row.actor_name,
                "role": row.role,
                "unit": row.unit_name,
                "action": row.action,
                "reason": row.reason,
                "outcome": row.outcome,
            }
            for row in page
        ]
    return _paged(count, limit, offset, items)


# The statistics (for the administrator and unit leaders) register themselves on `api`.
from stafett.api import endpoints_statistics  # noqa: E402, F401
