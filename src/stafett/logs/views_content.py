"""The relay log's content pages: the log page with its timeline, forms to write and
edit entries, an entry's versions, and a printable view.

Views are thin: they fetch the log only through `stafett.policy.access_log`, read
through `selectors` and write through `services`. Every read of content writes an
access-log row in the same transaction as the read. Refusals are written to the access
log by the policy *before* that transaction starts, so that they are never rolled back
with it.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods

from stafett.archive.selectors import archive_panel
from stafett.concerns.selectors import log_worry_chart
from stafett.consent import selectors as consent_selectors
from stafett.core.errors import ConflictError
from stafett.home.services import mark_log_seen
from stafett.logs import selectors, services
from stafett.logs.forms import FORMS, EntryForm
from stafett.logs.models import Entry, EntryKind, EntryVersion, RelayLog
from stafett.policy import (
    Actor,
    LogFacts,
    Role,
    access_log,
    access_log_page,
    actor_for,
    allowed,
    record_log_read,
    visible_entries,
)

GET_POST = ["GET", "POST"]

ADD_TITLES = {
    EntryKind.UNDERSTANDING: gettext_lazy("Write the shared understanding"),
    EntryKind.GOAL: gettext_lazy("Add a goal"),
    EntryKind.MEASURE: gettext_lazy("Add a measure"),
    EntryKind.MEETING: gettext_lazy("Plan a meeting"),
    EntryKind.EVALUATION: gettext_lazy("Evaluate a measure"),
    EntryKind.BRIGHT_SPOT: gettext_lazy("Add a bright spot"),
    EntryKind.CHILD_VOICE: gettext_lazy("Add the child's voice"),
    EntryKind.NOTE: gettext_lazy("Write a note"),
}
EDIT_TITLES = {
    EntryKind.UNDERSTANDING: gettext_lazy("Change the shared understanding"),
    EntryKind.GOAL: gettext_lazy("Change the goal"),
    EntryKind.MEASURE: gettext_lazy("Change the measure"),
    EntryKind.MEETING: gettext_lazy("Change the meeting"),
    EntryKind.EVALUATION: gettext_lazy("Change the evaluation"),
    EntryKind.BRIGHT_SPOT: gettext_lazy("Change the bright spot"),
    EntryKind.CHILD_VOICE: gettext_lazy("Change the child's voice"),
    EntryKind.NOTE: gettext_lazy("Change the note"),
}


def write_action(kind: str) -> str:
    """The policy action for adding an entry of this kind."""
    return services.WRITE_ACTION.get(EntryKind(kind), "log.write")


def edit_action(kind: str) -> str:
    """The policy action services.edit_entry checks for this kind."""
    return "log.add_comment" if kind == EntryKind.BRIGHT_SPOT else write_action(kind)


class Refused(PermissionDenied):
    """A refusal with a sentence that says why."""


def explain_refusal(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Insiders without the right get a page that says why, with status 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as refusal:
            reason = str(refusal) if isinstance(refusal, Refused) else ""
            return render(request, "logs/forbidden.html", {"reason": reason}, status=403)

    return wrapper


def _refuse_early(
    request: HttpRequest, log_uuid: uuid.UUID, action: str
) -> tuple[RelayLog, LogFacts]:
    """404 for outsiders, 403 for insiders without `action`, before any reading
    transaction starts: the policy's refusal row must not roll back with it."""
    log, facts = access_log(request, log_uuid, "log.view_summary")
    if not allowed(request, action, facts):
        access_log(request, log_uuid, action)  # writes the refusal and raises
        raise PermissionDenied  # (not reached)
    return log, facts


def _detail_url(log: RelayLog, entry: Entry | None = None) -> str:
    url = reverse("logs:detail", kwargs={"log": log.uuid})
    return f"{url}#entry-{entry.uuid}" if entry is not None else url


# Service refusals that belong next to one field of the form.
def _service_error_fields() -> dict[str, str]:
    return {
        _("The responsible person must take part in this log."): "responsible",
        _("Choose who is responsible for the measure."): "responsible",
        _("The evaluation date cannot be before the start date."): "evaluation_date",
        _("Give a start date and an evaluation date."): "evaluation_date",
        _("Choose a measure in this log to evaluate."): "measure",
        _("Choose the effect."): "effect",
        _("Write what happened."): "body",
        _("Write something first."): "body",
        _("Write the goal."): "title",
        _("Write what the measure is."): "title",
        _("Give a place or a video link."): "place",
        _("Only people in this log can be invited to its meetings."): "invited",
    }


def _show_service_error(form: EntryForm, error: ValidationError) -> None:
    fields = _service_error_fields()
    for message in error.messages:
        name = fields.get(message)
        form.add_error(name if name in form.fields else None, message)


@dataclass
class TimelineItem:
    entry: Entry
    version: EntryVersion
    can_edit: bool
    is_new: bool = False


def _items(
    entries: list[Entry],
    facts: LogFacts,
    actor: Actor,
    *,
    last_seen: datetime.datetime | None = None,
) -> list[TimelineItem]:
    items = []
    user_id = actor.user.id if actor.user is not None else None
    for entry in entries:
        assert entry.latest is not None
        items.append(
            TimelineItem(
                entry=entry,
                version=entry.latest,
                is_new=last_seen is not None
                and entry.created_at > last_seen
                and entry.created_by_id != user_id,
                can_edit=allowed(actor, edit_action(entry.kind), facts)
                and services.may_edit(facts, entry, actor)
                if entry.kind in FORMS
                else False,
            )
        )
    return items


# Pages of the log's lifecycle (consent, participants, handover, decisions), shown to
# whoever the policy lets use them. A page that does not exist (yet) is left out.
MANAGE_LINKS = [
    ("consent.view", "logs:consent", gettext_lazy("Consent")),
    ("log.coordinate", "logs:participants", gettext_lazy("Participants")),
    ("handover.propose", "logs:handover_propose", gettext_lazy("Hand over the baton")),
    ("log.coordinate", "logs:move", gettext_lazy("Move step or level")),
    ("log.close", "logs:close", gettext_lazy("Close the log")),
    ("log.reopen", "logs:reopen", gettext_lazy("Reopen the log")),
]


def _manage_links(
    actor: Actor, log: RelayLog, facts: LogFacts, *, leave_out: tuple[str, ...] = ()
) -> list[tuple[str, Any]]:
    links: list[tuple[str, Any]] = []
    if facts.handover_to_me is not None:
        with contextlib.suppress(NoReverseMatch):
            url = reverse(
                "logs:handover_answer",
                kwargs={"log": log.uuid, "handover": facts.handover_to_me.uuid},
            )
            links.append((url, gettext_lazy("Answer the handover")))
    for action, name, label in MANAGE_LINKS:
        if name in leave_out or not allowed(actor, action, facts):
            continue
        with contextlib.suppress(NoReverseMatch):
            links.append((reverse(name, kwargs={"log": log.uuid}), label))
    return links


def add_title(kind: str, facts: LogFacts) -> Any:
    """The youth writes in their own voice; adults write down what the child said."""
    if kind == EntryKind.CHILD_VOICE and facts.family_role is Role.YOUTH:
        return gettext_lazy("Write in your own words")
    return ADD_TITLES[EntryKind(kind)]


def _add_links(actor: Actor, facts: LogFacts) -> list[tuple[str, Any]]:
    return [
        (kind, add_title(kind, facts))
        for kind in FORMS
        if allowed(actor, write_action(kind), facts)
    ]


def _filter_kinds(log: RelayLog, facts: LogFacts, actor: Actor) -> list[tuple[str, str]]:
    """The timeline's filter, in the reader's words: the family reads plain words for
    the BTI terms (issue 11), the youth reads their own words as theirs."""
    family = facts.family_role is not None
    kinds: list[tuple[str, str]] = []
    for k in selectors.FILTER_KINDS:
        if k == EntryKind.EVENT:
            label = _("History")
        elif k == EntryKind.UNDERSTANDING and family:
            label = pgettext("family words", "What we see together")
        elif k == EntryKind.CHILD_VOICE and facts.family_role is Role.YOUTH:
            label = _("In your own words")
        elif k == EntryKind.CHILD_VOICE and family:
            label = _("In %(name)s's own words") % {"name": log.subject.first_name}
        else:
            label = str(EntryKind(k).label)
        kinds.append((str(k), label))
    return kinds


# ---------------------------------------------------------------------------
# The log page
# ---------------------------------------------------------------------------


@explain_refusal
@require_GET
def detail(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    kind = request.GET.get("kind") or ""
    if kind not in selectors.FILTER_KINDS:
        kind = ""
    actor = actor_for(request)
    # Outsiders 404; participants whom the consent does not cover 403 (logged). The unit's
    # leader and the person offered the baton read the header only (logged too).
    with transaction.atomic():
        obj, facts, full = access_log_page(request, log)
        header = selectors.log_header(obj, facts)
        if not full:
            return render(
                request,
                "logs/summary.html",
                {
                    "log": obj,
                    "facts": facts,
                    "header": header,
                    "manage_links": _manage_links(
                        actor, obj, facts, leave_out=("logs:close", "logs:handover_answer")
                    ),
                },
            )
        visible = visible_entries(actor, facts)
        entries = selectors.timeline(obj, kind or None, visible=visible)
        user_id = actor.user.id if actor.user is not None else None
        last_seen = selectors.last_visit(user_id, obj) if user_id is not None else None
        items = _items(entries, facts, actor, last_seen=last_seen)
        worry_chart = log_worry_chart(obj)
        summary = None
        if facts.family_role is not None:
            everything = entries if not kind else selectors.timeline(obj, visible=visible)
            summary = selectors.family_summary(everything, last_seen=last_seen, user_id=user_id)
        scope_requests = consent_selectors.open_scope_requests(obj) if facts.is_coordinator else []
        if user_id is not None:
            # "What is new since your last visit" on the home page counts from now.
            mark_log_seen(user_id=user_id, log_id=obj.id)
    context = {
        "log": obj,
        "facts": facts,
        "header": header,
        "items": items,
        "kind": kind,
        "filter_kinds": _filter_kinds(obj, facts, actor),
        "add_links": _add_links(actor, facts),
        # The family's summary links to their consent already.
        "manage_links": _manage_links(
            actor, obj, facts, leave_out=("logs:consent",) if summary is not None else ()
        ),
        "can_write": allowed(actor, "log.write", facts),
        "worry_chart": worry_chart,
        "summary": summary,
        "last_seen": last_seen,
        "scope_requests": scope_requests,
        "can_see_access_list": allowed(actor, "log.access_list", facts),
        "can_add_bright_spot": allowed(actor, "log.add_bright_spot", facts),
        # The archive document (coordinator) and the family's own copy (issue 12).
        "archive": archive_panel(actor, facts),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "timeline":
        return render(request, "logs/_timeline.html", context)
    return render(request, "logs/detail.html", context)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _add_once(actor: Actor, log: RelayLog, kind: str, fields: dict[str, Any]) -> Entry:
    """Add the entry, unless the same person just added the same one (a double submit)."""
    user = actor.user
    if user is None:
        raise PermissionDenied
    with transaction.atomic():
        services.lock_log(log)
        duplicate = selectors.recent_duplicate(log, kind=kind, user=user, fields=fields)
        if duplicate is not None:
            return duplicate
        return services.add_entry(actor=actor, log=log, kind=kind, **fields)


def _initial_for_add(request: HttpRequest, log: RelayLog, kind: str) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    if kind == EntryKind.EVALUATION:
        measure = request.GET.get("measure", "")
        with contextlib.suppress(ValueError):
            initial["measure"] = uuid.UUID(measure)
    if kind == EntryKind.MEETING:
        initial["invited"] = [user.uuid for user in selectors.meeting_people(log)]
    return initial


@explain_refusal
@require_http_methods(GET_POST)
def entry_add(request: HttpRequest, log: uuid.UUID, kind: str) -> HttpResponse:
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404
    action = write_action(kind)
    actor = actor_for(request)
    obj, facts = _refuse_early(request, log, action)
    if request.method == "POST":
        form = form_class(request.POST, log=obj, facts=facts)
        if form.is_valid():
            try:
                entry = _add_once(actor, obj, kind, form.service_fields())
            except ValidationError as error:
                _show_service_error(form, error)
            else:
                messages.success(request, _("Saved in the log."))
                return redirect(_detail_url(obj, entry))
    else:
        form = form_class(initial=_initial_for_add(request, obj, kind), log=obj, facts=facts)
    context = {
        "log": obj,
        "facts": facts,
        "form": form,
        "kind": kind,
        "title": add_title(kind, facts),
        "submit": _("Save in the log"),
    }
    if not form_class.shows_content:
        # The page still shows the child's name: a read of the child's identity.
        with transaction.atomic():
            record_log_read(request, obj, facts, "log.header", reason="write")
            return render(request, "logs/entry_form.html", context)
    with transaction.atomic():
        # The form lists the log's measures: that is a read of its content.
        access_log(request, log, "log.view", reason="write")
        return render(request, "logs/entry_form.html", context)


def _same_as_latest(entry: Entry, actor: Actor, fields: dict[str, Any]) -> bool:
    """The newest version is this person's and says exactly this: a double submit."""
    latest = entry.latest
    if latest is None or actor.user is None or latest.author_id != actor.user.id:
        return False
    scalars = {k: v for k, v in fields.items() if k not in ("invited", "attended")}
    return all(
        selectors.same_value(getattr(latest, name, None), value) for name, value in scalars.items()
    )


@explain_refusal
@require_http_methods(GET_POST)
def entry_edit(request: HttpRequest, log: uuid.UUID, entry: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    _refuse_early(request, log, "log.view")
    with transaction.atomic():
        obj, facts = access_log(request, log, "log.view", reason="edit")
        found = selectors.editable_entry_in_log(obj, entry, visible=visible_entries(actor, facts))
        if found is None:
            raise Http404
        if facts.is_closed:
            raise Refused(_("The log is closed. Nothing in it can be changed."))
        if not allowed(actor, edit_action(found.kind), facts) or not services.may_edit(
            facts, found, actor
        ):
            raise Refused(
                _(
                    "Only the person who wrote this, or the coordinator for goals, measures "
                    "and meetings, can change it. You can add a note instead."
                )
            )
        form_class = FORMS[found.kind]
        conflict: Entry | None = None
        if request.method == "POST":
            assert found.latest is not None
            # The version being edited, so that a date kept from it is not asked about again.
            kept = form_class.initial_from(found.latest)
            form = form_class(request.POST, initial=kept, log=obj, facts=facts, editing=True)
            if form.is_valid():
                fields = form.service_fields()
                try:
                    services.edit_entry(
                        actor=actor,
                        entry=found,
                        base_version=form.cleaned_data["base_version"],
                        **fields,
                    )
                except ConflictError as error:
                    current = selectors.entry_in_log(
                        obj, found.uuid, visible=visible_entries(actor, facts)
                    )
                    assert current is not None
                    if _same_as_latest(current, actor, fields):
                        messages.success(request, _("Saved in the log."))
                        return redirect(_detail_url(obj, current))
                    form.add_error(None, error)
                    # Saving again now is a choice made with the current version in view.
                    data = request.POST.copy()
                    data["base_version"] = str(current.version_count)
                    form.data = data
                    conflict = current
                    found = current
                except ValidationError as error:
                    _show_service_error(form, error)
                else:
                    messages.success(request, _("The change is saved. Earlier versions are kept."))
                    return redirect(_detail_url(obj, found))
        else:
            assert found.latest is not None
            initial = form_class.initial_from(found.latest)
            initial["base_version"] = found.version_count
            form = form_class(initial=initial, log=obj, facts=facts, editing=True)
        return render(
            request,
            "logs/entry_form.html",
            {
                "log": obj,
                "facts": facts,
                "form": form,
                "kind": found.kind,
                "entry": found,
                "conflict": conflict,
                "title": EDIT_TITLES[EntryKind(found.kind)],
                "submit": _("Save the change"),
            },
        )


# ---------------------------------------------------------------------------
# Reading: versions, print
# ---------------------------------------------------------------------------


@explain_refusal
@require_GET
def entry_versions(request: HttpRequest, log: uuid.UUID, entry: uuid.UUID) -> HttpResponse:
    _refuse_early(request, log, "log.view")
    with transaction.atomic():
        obj, facts = access_log(request, log, "log.view", reason="versions")
        found = selectors.entry_in_log(
            obj, entry, visible=visible_entries(actor_for(request), facts)
        )
        if found is None:
            raise Http404
        return render(
            request,
            "logs/versions.html",
            {
                "log": obj,
                "facts": facts,
                "entry": found,
                "versions": selectors.versions(found),
            },
        )


@explain_refusal
@require_GET
def print_view(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    _refuse_early(request, log, "log.view")
    with transaction.atomic():
        obj, facts = access_log(request, log, "log.view", reason="print")
        return render(
            request,
            "logs/print.html",
            {
                "log": obj,
                "facts": facts,
                "header": selectors.log_header(obj, facts),
                "entries": selectors.timeline_oldest_first(
                    obj, visible=visible_entries(actor_for(request), facts)
                ),
            },
        )
