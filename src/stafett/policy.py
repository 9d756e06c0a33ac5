"""The one access policy of Stafett.

Every view, export and notification asks this module whether a user may do an
action on an object. Default deny: an action without a rule is refused. Outsiders
(another municipality, or people with no relation to the object) get 404 so that
the object's existence is not revealed; insiders without the right get 403.

Views fetch protected objects only through the `access_*` helpers below, which
scope the lookup to the user's municipality, ask the rules, and write refused
attempts to the access log. `PolicyEnforcementMiddleware` refuses any response
from a view that neither is marked `@public` nor asked the policy.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden

if TYPE_CHECKING:
    from stafett.accounts.models import User
    from stafett.organisation.models import Unit
    from stafett.people.models import Subject

logger = logging.getLogger(__name__)

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


class Role(enum.StrEnum):
    ANONYMOUS = "anonymous"
    SUPERUSER = "superuser"
    MUNICIPAL_ADMIN = "municipal_admin"
    UNIT_LEADER = "unit_leader"
    EMPLOYEE = "employee"
    GUARDIAN = "guardian"
    YOUTH = "youth"


class Decision(enum.Enum):
    ALLOW = "allow"
    FORBIDDEN = "forbidden"  # an insider without the right: 403
    HIDDEN = "hidden"  # an outsider: 404, as if the object did not exist


class LoginRequired(Exception):
    """Raised for anonymous users; the middleware answers with a redirect to log-in."""


@dataclass(frozen=True)
class Actor:
    """What the policy knows about the user making a request, read once per request."""

    user: User | None
    municipality_id: int | None = None
    is_superuser: bool = False
    is_admin: bool = False
    is_staff_member: bool = False
    leader_unit_ids: frozenset[int] = field(default_factory=frozenset)
    employee_unit_ids: frozenset[int] = field(default_factory=frozenset)
    # Children this user is guardian of *with* parental responsibility.
    guardian_subject_ids: frozenset[int] = field(default_factory=frozenset)
    own_subject_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def unit_ids(self) -> frozenset[int]:
        return self.leader_unit_ids | self.employee_unit_ids

    @property
    def roles(self) -> list[Role]:
        roles: list[Role] = []
        if self.user is None:
            return [Role.ANONYMOUS]
        if self.is_superuser:
            roles.append(Role.SUPERUSER)
        if self.is_admin:
            roles.append(Role.MUNICIPAL_ADMIN)
        if self.leader_unit_ids:
            roles.append(Role.UNIT_LEADER)
        if self.employee_unit_ids:
            roles.append(Role.EMPLOYEE)
        if self.guardian_subject_ids:
            roles.append(Role.GUARDIAN)
        if self.own_subject_id is not None:
            roles.append(Role.YOUTH)
        return roles

    @property
    def main_role(self) -> str:
        roles = self.roles
        return roles[0].value if roles else ""


ANONYMOUS_ACTOR = Actor(user=None)


def acting_user(actor: Actor) -> User:
    """The signed-in user behind an actor; services call this before writing."""
    if actor.user is None:
        raise PermissionDenied
    return actor.user


def build_actor(user: Any, *, away: bool = False) -> Actor:
    """Read the user's current roles from the database (never cached across requests,
    so that a removed role takes effect at the next request).

    `away`: the user is not making a request (a notification to them is being decided):
    their roles count as they would once they have logged in with their second factor."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS_ACTOR
    from stafett.organisation.models import Membership
    from stafett.people.models import Guardianship, Subject

    # Staff must have passed the second factor before any role counts.
    verified = not user.is_staff_member or away or _is_verified(user)
    if not verified:
        return Actor(user=user, municipality_id=user.municipality_id)
    leader: set[int] = set()
    employee: set[int] = set()
    guardian: frozenset[int] = frozenset()
    own: int | None = None
    if user.is_staff_member:
        for unit_id, role in (
            Membership.objects.current()
            .filter(user=user, municipality_id=user.municipality_id, unit__is_active=True)
            .values_list("unit_id", "role")
        ):
            (leader if role == Membership.Role.LEADER else employee).add(unit_id)
    else:
        guardian = frozenset(
            Guardianship.objects.filter(
                guardian=user, parental_responsibility=True, municipality_id=user.municipality_id
            ).values_list("subject_id", flat=True)
        )
        own = (
            Subject.objects.filter(user=user, municipality_id=user.municipality_id)
            .values_list("id", flat=True)
            .first()
        )
    return Actor(
        user=user,
        municipality_id=user.municipality_id,
        is_superuser=user.is_superuser,
        is_admin=user.is_staff_member
        and user.is_municipal_admin
        and user.municipality_id is not None,
        is_staff_member=user.is_staff_member,
        leader_unit_ids=frozenset(leader),
        employee_unit_ids=frozenset(employee),
        guardian_subject_ids=guardian,
        own_subject_id=own,
    )


def _is_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def actor_for(request: HttpRequest) -> Actor:
    cached: Actor | None = getattr(request, "_stafett_actor", None)
    if cached is None:
        cached = build_actor(getattr(request, "user", None))
        request._stafett_actor = cached  # type: ignore[attr-defined]
    return cached


# ---------------------------------------------------------------------------
# Rules. Each takes the actor and the object and returns a Decision.
# ---------------------------------------------------------------------------

Rule = Callable[[Actor, Any], Decision]


def _same_municipality(actor: Actor, obj: Any) -> bool:
    return actor.municipality_id is not None and getattr(obj, "municipality_id", None) == (
        actor.municipality_id
    )


def _signed_in(actor: Actor, obj: Any) -> Decision:
    return Decision.ALLOW if actor.is_authenticated else Decision.HIDDEN


def _staff_view_municipality(actor: Actor, obj: Any) -> Decision:
    if not actor.is_staff_member or not _same_municipality_id(actor, obj):
        return Decision.HIDDEN
    return Decision.ALLOW


def _same_municipality_id(actor: Actor, obj: Any) -> bool:
    """For the Municipality object itself."""
    return actor.municipality_id is not None and getattr(obj, "id", None) == actor.municipality_id


def _admin_of_municipality(actor: Actor, obj: Any) -> Decision:
    if not actor.is_staff_member or not _same_municipality_id(actor, obj):
        return Decision.HIDDEN
    return Decision.ALLOW if actor.is_admin else Decision.FORBIDDEN


def _admin_of_object(actor: Actor, obj: Any) -> Decision:
    if not actor.is_staff_member or not _same_municipality(actor, obj):
        return Decision.HIDDEN
    return Decision.ALLOW if actor.is_admin else Decision.FORBIDDEN


def _leader_of_unit(actor: Actor, unit: Unit) -> Decision:
    if not actor.is_staff_member or not _same_municipality(actor, unit):
        return Decision.HIDDEN
    return Decision.ALLOW if unit.id in actor.leader_unit_ids else Decision.FORBIDDEN


def _family_of_subject(actor: Actor, subject: Subject) -> Decision:
    if not _same_municipality(actor, subject):
        return Decision.HIDDEN
    if subject.id in actor.guardian_subject_ids or subject.id == actor.own_subject_id:
        return Decision.ALLOW
    return Decision.HIDDEN


def _staff(actor: Actor, obj: Any) -> Decision:
    if not actor.is_authenticated or not actor.is_staff_member:
        return Decision.HIDDEN
    return Decision.ALLOW


# ---------------------------------------------------------------------------
# Relay logs. The rules take `LogFacts`: what this actor is to this log, and what the
# family's consent allows right now. Access follows consent (DESIGN.md §2).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFacts:
    log: Any  # RelayLog
    consent: Any  # the consent in force (or the latest one), or None
    consent_state: Any  # ConsentState or None when there has never been a consent
    scope_unit_ids: frozenset[int]
    participant: Any  # the actor's current Participant row, or None
    is_coordinator: bool
    family_role: Role | None  # GUARDIAN or YOUTH when the actor is family
    is_consenter: bool
    leads_unit: bool
    handover_to_me: Any  # a pending Handover to the actor, or None
    # A guardian of a youth who consents alone, reading only because the youth shares
    # the log with them under the consent in force: read, never write or decide.
    reads_by_share: bool = False

    @property
    def consent_open(self) -> bool:
        return self.consent_state is not None and self.consent_state.grants_access

    @property
    def is_closed(self) -> bool:
        return bool(self.log.is_closed)

    @property
    def participant_covered(self) -> bool:
        """A professional participant reads only while consent covers their unit."""
        p = self.participant
        return p is not None and self.consent_open and p.unit_id in self.scope_unit_ids

    @property
    def role(self) -> str:
        if self.family_role is not None:
            return self.family_role.value
        if self.is_coordinator:
            return "coordinator"
        if self.participant is not None:
            return "participant"
        if self.leads_unit:
            return Role.UNIT_LEADER.value
        return ""

    @property
    def insider(self) -> bool:
        return (
            self.is_coordinator
            or self.participant is not None
            or self.family_role is not None
            or self.leads_unit
            or self.handover_to_me is not None
        )


def _log_view(actor: Actor, f: LogFacts) -> Decision:
    if f.family_role is not None:
        return Decision.ALLOW
    if f.is_coordinator and f.consent_open:
        return Decision.ALLOW
    if f.participant_covered and f.participant.unit_id in actor.unit_ids:
        return Decision.ALLOW
    return Decision.FORBIDDEN if f.insider else Decision.HIDDEN


def _log_summary(actor: Actor, f: LogFacts) -> Decision:
    """The header only: level, step, coordinator, consent state, dates. No content."""
    if f.is_coordinator or f.leads_unit or f.handover_to_me is not None:
        return Decision.ALLOW
    return _log_view(actor, f)


def _log_write(actor: Actor, f: LogFacts) -> Decision:
    """Professional entries: goals, measures, meetings, evaluations, notes."""
    if _log_view(actor, f) is not Decision.ALLOW:
        return Decision.FORBIDDEN if f.insider else Decision.HIDDEN
    if f.is_closed or f.family_role is not None:
        return Decision.FORBIDDEN
    if f.is_coordinator or (f.participant is not None and f.participant.can_write):
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _log_family_write(actor: Actor, f: LogFacts) -> Decision:
    """Bright spots and comments: everyone who may read, while the log is open."""
    decision = _log_view(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    if f.is_closed or f.reads_by_share:
        return Decision.FORBIDDEN
    if f.family_role is not None or f.is_coordinator:
        return Decision.ALLOW
    return _log_write(actor, f)


def _log_coordinate(actor: Actor, f: LogFacts) -> Decision:
    """Participants, meetings' invitations, level and step decisions: the coordinator,
    while consent is valid and the log is open."""
    if not f.insider:
        return Decision.HIDDEN
    if f.is_coordinator and f.consent_open and not f.is_closed:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _log_close(actor: Actor, f: LogFacts) -> Decision:
    """The coordinator keeps closing even without consent. The people whose consent
    counts may close too, once the family has consented (a consent was completed, even
    if it has since run out or been withdrawn): before that there is nothing running to
    end, and their answer to the request is "No" (`consent.respond`), not closing."""
    if not f.insider:
        return Decision.HIDDEN
    if f.is_closed:
        return Decision.FORBIDDEN
    if f.is_coordinator:
        return Decision.ALLOW
    consented = f.consent is not None and f.consent.completed_at is not None
    if f.family_role is not None and f.is_consenter and consented:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _log_reopen(actor: Actor, f: LogFacts) -> Decision:
    if not f.insider:
        return Decision.HIDDEN
    if f.is_closed and f.is_coordinator and f.consent_open:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _consent_manage(actor: Actor, f: LogFacts) -> Decision:
    """Ask for, renew or register consent, change its scope: the coordinator, always."""
    if not f.insider:
        return Decision.HIDDEN
    return Decision.ALLOW if f.is_coordinator else Decision.FORBIDDEN


def _consent_view(actor: Actor, f: LogFacts) -> Decision:
    """The consent's history, scope and scanned forms: the coordinator (who must be able
    to renew it) and the family, whatever the consent's state."""
    if not f.insider:
        return Decision.HIDDEN
    if f.is_coordinator or f.family_role is not None:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _consent_share(actor: Actor, f: LogFacts) -> Decision:
    """Choose which guardians may read the log: the youth who consents alone, while
    their consent is in force (the choice belongs to that consent)."""
    if not f.insider:
        return Decision.HIDDEN
    if f.family_role is Role.YOUTH and f.is_consenter and f.consent_open:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _consent_family(actor: Actor, f: LogFacts) -> Decision:
    """Give, withdraw, confirm a wider scope: the people whose consent counts."""
    if not f.insider:
        return Decision.HIDDEN
    return Decision.ALLOW if f.family_role is not None and f.is_consenter else Decision.FORBIDDEN


def _handover_propose(actor: Actor, f: LogFacts) -> Decision:
    """The coordinator, or the unit's leader when the coordinator leaves."""
    if not f.insider:
        return Decision.HIDDEN
    if f.is_closed:
        return Decision.FORBIDDEN
    if (f.is_coordinator and f.consent_open) or f.leads_unit:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _handover_answer(actor: Actor, f: LogFacts) -> Decision:
    if f.handover_to_me is not None:
        return Decision.ALLOW
    return Decision.FORBIDDEN if f.insider else Decision.HIDDEN


def _youth_voice(actor: Actor, f: LogFacts) -> Decision:
    decision = _log_view(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    if f.is_closed:
        return Decision.FORBIDDEN
    if f.family_role is Role.YOUTH:
        return Decision.ALLOW
    return _log_write(actor, f)


def _log_start(actor: Actor, obj: Any) -> Decision:
    """Start a relay log: employees and leaders of a unit (they become coordinator)."""
    if not actor.is_staff_member:
        return Decision.HIDDEN
    return Decision.ALLOW if actor.unit_ids else Decision.FORBIDDEN


# ---------------------------------------------------------------------------
# Concerns (level 0). The rules take `ConcernFacts`: what this actor is to this
# concern. Visible only to its author, the colleagues and leader it was shared with,
# and (after its history was carried into a consented log) that log's coordinator, each
# only while a current member of the unit that ties them to it (`concern_facts`).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernFacts:
    concern: Any  # Concern
    is_author: bool
    share: Any  # the actor's ConcernShare row, or None
    is_log_coordinator: bool  # coordinator of the log it went on in, with consent open
    # A leader of the concern's unit, once the concern took the violence/abuse path or
    # was decided for a report to child welfare (they are told and may read it).
    is_unit_leader: bool = False
    report: Any = None  # the concern's ChildWelfareReport, when asked about the report
    # The named child's open relay log (its `LogFacts` for this actor), when asked about
    # attaching the concern to it (`access_concern_to_attach`).
    child_log: LogFacts | None = None

    @property
    def insider(self) -> bool:
        return (
            self.is_author
            or self.share is not None
            or self.is_log_coordinator
            or self.is_unit_leader
        )

    @property
    def role(self) -> str:
        if self.is_author:
            return "author"
        if self.share is not None:
            return str(self.share.role)
        if self.is_log_coordinator:
            return "coordinator"
        if self.is_unit_leader:
            return "leader"
        return ""


def _concern_register(actor: Actor, obj: Any) -> Decision:
    """Register a concern, see one's own: staff who work in or lead a unit."""
    if not actor.is_staff_member:
        return Decision.HIDDEN
    return Decision.ALLOW if actor.unit_ids else Decision.FORBIDDEN


def _concern_view(actor: Actor, f: ConcernFacts) -> Decision:
    if not actor.is_staff_member or not _same_municipality(actor, f.concern):
        return Decision.HIDDEN
    return Decision.ALLOW if f.insider else Decision.HIDDEN


def _concern_edit(actor: Actor, f: ConcernFacts) -> Decision:
    """The four steps (observe, share, name, talk with the family, score, decide): the
    author, while the concern is open."""
    decision = _concern_view(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    return Decision.ALLOW if f.is_author and f.concern.is_open else Decision.FORBIDDEN


def _concern_add_view(actor: Actor, f: ConcernFacts) -> Decision:
    """Colleagues and leaders it was shared with read it and add their view."""
    decision = _concern_view(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    return Decision.ALLOW if f.share is not None and f.concern.is_open else Decision.FORBIDDEN


def _concern_attach(actor: Actor, f: ConcernFacts) -> Decision:
    """Attach an open concern to the named child's open relay log (issue 11): whoever
    may read the concern as its author or by a share in force, if they are that log's
    current coordinator. Never on the violence/abuse path (nothing goes to the family).
    Whether the family's consent lets it in is the service's check (a clear message)."""
    decision = _concern_view(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    concern, log = f.concern, f.child_log
    if not (f.is_author or f.share is not None) or not concern.is_open:
        return Decision.FORBIDDEN
    if concern.violence_path_at is not None or log is None:
        return Decision.FORBIDDEN
    return Decision.ALLOW if log.is_coordinator and not log.is_closed else Decision.FORBIDDEN


def _concern_violence_path(actor: Actor, f: ConcernFacts) -> Decision:
    """ "I suspect violence or sexual abuse": the author, at any step while it is open."""
    return _concern_edit(actor, f)


def _report_view(actor: Actor, f: ConcernFacts) -> Decision:
    """The report to child welfare: the author, those the concern was shared with and the
    unit's leader. Child-welfare staff are not readers in Stafett (the report goes
    outside), nor is a relay log's coordinator."""
    decision = _concern_view(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    if f.is_author or f.share is not None or f.is_unit_leader:
        return Decision.ALLOW
    return Decision.HIDDEN


def _report_edit(actor: Actor, f: ConcernFacts) -> Decision:
    """Write (and mark as sent) the report: its author while it is a draft; before the
    first save, the concern's author once the concern took the violence/abuse path or
    was decided for a report to child welfare."""
    decision = _report_view(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    user = actor.user
    report = f.report
    if report is None:
        concern = f.concern
        started = concern.violence_path_at is not None or concern.status == "child_welfare"
        return Decision.ALLOW if f.is_author and started else Decision.FORBIDDEN
    if user is not None and report.author_id == user.id and report.sent_at is None:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def _report_fiks_send(actor: Actor, f: ConcernFacts) -> Decision:
    """Send the report through Fiks: as writing it (its author, while a draft), and only
    once it has been saved. Whether the municipality has set Fiks up is the service's
    question (a clear message, not a refusal)."""
    decision = _report_edit(actor, f)
    if decision is Decision.ALLOW and f.report is None:
        return Decision.FORBIDDEN
    return decision


def _help_request(actor: Actor, obj: Any) -> Decision:
    """A guardian with parental responsibility asks for help about their own child."""
    if actor.is_staff_member:
        return Decision.HIDDEN
    return Decision.ALLOW if actor.guardian_subject_ids else Decision.FORBIDDEN


CONCERN_RULES: dict[str, Rule] = {
    "concern.register": _concern_register,
    "concern.view": _concern_view,
    "concern.edit": _concern_edit,
    "concern.add_view": _concern_add_view,
    "concern.violence_path": _concern_violence_path,
    "concern.attach": _concern_attach,
    "report.view": _report_view,
    "report.pdf": _report_view,
    "report.edit": _report_edit,
    "report.send": _report_edit,
    "report.fiks_send": _report_fiks_send,
    "worry_scale.manage": _admin_of_municipality,
    "help.request": _help_request,
}
# --- end of concerns rules ---


# ---------------------------------------------------------------------------
# Action guides and tools (form templates). Guides and blank templates are not child
# data: the administrator manages them, staff of the municipality read them, and the
# published guides are public. Filled forms are child data: they follow the relay log
# they belong to (the rules take `LogFacts` of that log), and every read is logged.
# ---------------------------------------------------------------------------


def _staff_of_object(actor: Actor, obj: Any) -> Decision:
    if not actor.is_staff_member or not _same_municipality(actor, obj):
        return Decision.HIDDEN
    return Decision.ALLOW


GUIDE_RULES: dict[str, Rule] = {
    # Object: Guide / FormTemplate.
    "guide.manage": _admin_of_object,
    "form_template.manage": _admin_of_object,
    "form_template.view": _staff_of_object,
    # Object: LogFacts of the log the filled form belongs to.
    "filled_form.view": _log_view,
    "filled_form.fill": _log_write,
}
# --- end of guides rules ---

# ---------------------------------------------------------------------------
# The family's side (issue 6): who has read the log (innsynslogg), the youth's own
# entries "for my coordinator only", the family's requests to change the consent's
# scope, family renewal, and the municipality's consent texts in more languages.
# ---------------------------------------------------------------------------


def _log_access_list(actor: Actor, f: LogFacts) -> Decision:
    """Who has read the log: the guardians and the youth, whatever the consent's state."""
    if f.family_role is not None:
        return Decision.ALLOW
    return Decision.FORBIDDEN if f.insider else Decision.HIDDEN


def _consent_family_open(actor: Actor, f: LogFacts) -> Decision:
    """Renew the consent, ask to add or take out a unit: the people whose consent
    counts, while the log is open."""
    decision = _consent_family(actor, f)
    if decision is not Decision.ALLOW:
        return decision
    return Decision.FORBIDDEN if f.is_closed else Decision.ALLOW


def _scope_request_answer(actor: Actor, f: LogFacts) -> Decision:
    """The family's request to change the scope: the coordinator answers it (with the
    consent in force for an addition; the service says so otherwise)."""
    if not f.insider:
        return Decision.HIDDEN
    return Decision.ALLOW if f.is_coordinator and not f.is_closed else Decision.FORBIDDEN


FAMILY_RULES: dict[str, Rule] = {
    # Object: LogFacts.
    "log.access_list": _log_access_list,
    "log.meeting_calendar": _log_view,
    "consent.renew": _consent_family_open,
    "consent.ask_scope_change": _consent_family_open,
    "consent.answer_scope_change": _scope_request_answer,
    # Object: ConsentText.
    "consent_text.manage": _admin_of_object,
}


def entry_visible(actor: Actor, facts: LogFacts, entry: Any) -> bool:
    """May this reader of the log see this entry? An entry the youth wrote "for my
    coordinator only" is read by the youth who wrote it and by the coordinator (whoever
    holds the baton now), never by guardians or other participants."""
    if not getattr(entry, "coordinator_only", False):
        return True
    user = actor.user
    return facts.is_coordinator or (user is not None and entry.created_by_id == user.id)


def visible_entries(actor: Actor, facts: LogFacts) -> Any:
    """`entry_visible` as a filter for querysets of Entry: every list of entries uses it."""
    from django.db.models import Q

    if facts.is_coordinator:
        return Q()
    user = actor.user
    if user is None:
        return Q(coordinator_only=False)
    return Q(coordinator_only=False) | Q(created_by_id=user.id)


def access_consent_text(request: HttpRequest, text_uuid: uuid.UUID, action: str) -> Any:
    from stafett.consent.models import ConsentText

    return _access_object(request, ConsentText.objects.all(), text_uuid, action)


# --- end of the family's side ---


# ---------------------------------------------------------------------------
# Notifications. The centre and the preferences are each person's own; the list of
# failed e-mails is the municipal administrator's (object: Municipality) and shows no
# content. Before an e-mail goes out, `notification.send` is asked for the recipient
# (object: `NotificationFacts`): whoever has lost access to the log is not told.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationFacts:
    kind: str
    log: LogFacts  # the recipient's facts about the log the notification is about
    handover: Any  # the Handover, for the handover kinds


def _notification_send(actor: Actor, f: NotificationFacts) -> Decision:
    lf = f.log
    if not _same_municipality(actor, lf.log):
        return Decision.HIDDEN
    user_id = actor.user.id if actor.user is not None else None
    if f.kind == "consent_ended":
        # "Your access has ended", without content: to the professionals on the log.
        on_log = lf.participant is not None or lf.is_coordinator
        return Decision.ALLOW if actor.is_staff_member and on_log else Decision.FORBIDDEN
    if f.kind == "handover_accepted":
        # Told to the coordinator who handed over (and who proposed it): no content.
        h = f.handover
        if (
            h is not None
            and actor.is_staff_member
            and user_id in (h.from_user_id, h.proposed_by_id)
        ):
            return Decision.ALLOW
        return Decision.FORBIDDEN
    if f.kind == "handover_proposed":
        return _handover_answer(actor, lf)
    if f.kind == "consent_expiring":
        return _consent_view(actor, lf)
    if f.kind == "consent_declined":
        # The family's "No", without content: to the coordinator, who may have no access
        # to the log's content (a first request) but manages its consent.
        return _consent_manage(actor, lf)
    return _log_view(actor, lf)


NOTIFICATION_RULES: dict[str, Rule] = {
    "notification.list": _signed_in,
    "notification.preferences": _signed_in,
    "notification.deliveries": _admin_of_municipality,
    "notification.send": _notification_send,
}


def may_notify(user: Any, kind: str, log: Any, handover: Any = None) -> bool:
    """May this person be told (now, at send time) about this kind of event in this log?"""
    actor = build_actor(user, away=True)
    if not actor.is_authenticated:
        return False
    facts = NotificationFacts(kind=kind, log=log_facts(actor, log), handover=handover)
    return decide(actor, "notification.send", facts) is Decision.ALLOW


# --- end of notifications rules ---

# --- The leader's follow-up list (issue 12) ---


def _follow_up(actor: Actor, obj: Any) -> Decision:
    """The administrator (whole municipality) and unit leaders (their units) see the
    follow-up list: counts and metadata, never a child's content."""
    if not actor.is_staff_member:
        return Decision.HIDDEN
    return Decision.ALLOW if actor.is_admin or actor.leader_unit_ids else Decision.FORBIDDEN


# --- end of the follow-up rules ---
# ---------------------------------------------------------------------------
# The archive (issue 12). Object: LogFacts. The archive document (the whole log, for
# the municipality's archive) is the current coordinator's to ask for and download, in
# any consent state: archiving a closed log is part of closing it. The family downloads
# their own copy (what they may read) whatever the consent's state; a guardian of a youth
# who consents alone only while the youth shares the log with them.
# ---------------------------------------------------------------------------


def _archive_coordinator(actor: Actor, f: LogFacts) -> Decision:
    if not f.insider:
        return Decision.HIDDEN
    return Decision.ALLOW if f.is_coordinator else Decision.FORBIDDEN


def _log_export_family(actor: Actor, f: LogFacts) -> Decision:
    if f.family_role is not None:
        return Decision.ALLOW
    return Decision.FORBIDDEN if f.insider else Decision.HIDDEN


ARCHIVE_RULES: dict[str, Rule] = {
    "archive.view": _archive_coordinator,
    "archive.request": _archive_coordinator,
    "log.export_family": _log_export_family,
}
# --- end of archive rules ---
# ---------------------------------------------------------------------------
# The JSON API (issue 13): the API asks the same rules as the web; these are the few
# actions only the API has. Integration tokens (object: Municipality, ApiToken).
# ---------------------------------------------------------------------------

API_RULES: dict[str, Rule] = {
    # Units and service kinds as read by staff and integrations (object: Unit/ServiceKind).
    "unit.view": _staff_of_object,
    "service_kind.view": _staff_of_object,
    # The list of logs the caller may see: filtered per log by `log.view_summary`.
    "log.list": _signed_in,
    # Integration tokens: the municipal administrator creates and revokes them.
    "api_token.manage": _admin_of_municipality,
    "api_token.revoke": _admin_of_object,
}


def access_api_token(request: HttpRequest, token_uuid: uuid.UUID, action: str) -> Any:
    from stafett.api.models import ApiToken

    return _access_object(request, ApiToken.objects.select_related("user"), token_uuid, action)


# --- end of API rules ---

# ---------------------------------------------------------------------------
# Statistics (issue 12): counts of children, with small numbers hidden. The municipal
# administrator sees the whole municipality, a unit leader their own units (object:
# Municipality). Other staff of the municipality: 403; everyone else: 404.
# ---------------------------------------------------------------------------


def _statistics_view(actor: Actor, municipality: Any) -> Decision:
    if not actor.is_staff_member or not _same_municipality_id(actor, municipality):
        return Decision.HIDDEN
    return Decision.ALLOW if actor.is_admin or actor.leader_unit_ids else Decision.FORBIDDEN


STATISTICS_RULES: dict[str, Rule] = {"statistics.view": _statistics_view}


def statistics_unit_ids(actor: Actor) -> list[int] | None:
    """The units whose figures the actor sees: None for every unit (the administrator),
    else the units they lead now."""
    if actor.is_admin:
        return None
    return sorted(actor.leader_unit_ids)


# --- end of statistics rules ---

RULES: dict[str, Rule] = {
    # Pages without an object.
    "home.view": _signed_in,
    "account.view": _signed_in,
    "staff.area": _staff,
    # The municipality's own settings and structure (object: Municipality).
    "municipality.manage": _admin_of_municipality,
    # Hand-over to the archive and Fiks settings (stafett.delivery): metadata only.
    "delivery.manage": _admin_of_municipality,
    "municipality.view_structure": _staff_view_municipality,
    # Failed log-ins on the municipality's accounts (object: Municipality).
    "login.failures": _admin_of_municipality,
    # Provider log-in (issue 13): providers, the password switch, national identity
    # numbers (object: Municipality) and staff link requests (object: LinkRequest).
    "signin.manage": _admin_of_municipality,
    "signin.links": _admin_of_object,
    # Units and service kinds (object: Unit / ServiceKind / EmergencyContact).
    "unit.manage": _admin_of_object,
    "unit.manage_leaders": _admin_of_object,
    "unit.manage_employees": _leader_of_unit,
    "service_kind.manage": _admin_of_object,
    "emergency_contact.manage": _admin_of_object,
    # The subject of care, as seen by the family (object: Subject).
    "subject.view_as_family": _family_of_subject,
    # Relay logs (object: LogFacts, from `log_facts`).
    "log.start": _log_start,
    "log.view": _log_view,
    "log.view_summary": _log_summary,
    "log.write": _log_write,
    "log.add_bright_spot": _log_family_write,
    "log.add_comment": _log_family_write,
    "log.add_child_voice": _youth_voice,
    "log.coordinate": _log_coordinate,
    "log.close": _log_close,
    "log.reopen": _log_reopen,
    "consent.manage": _consent_manage,
    "consent.view": _consent_view,
    "consent.respond": _consent_family,
    "consent.share": _consent_share,
    "handover.propose": _handover_propose,
    "handover.answer": _handover_answer,
    # Action guides, tools and filled forms.
    **GUIDE_RULES,
    # Concerns (level 0), the worry scale, guardians asking for help.
    **CONCERN_RULES,
    # The family's side: innsynslogg, consent requests, calendar files, consent texts.
    **FAMILY_RULES,
    # Notifications: the centre, preferences, failed e-mails, and who may be told.
    **NOTIFICATION_RULES,
    # The leader's follow-up list (issue 12).
    "followup.view": _follow_up,
    # The archive document and the family's own copy (issue 12).
    **ARCHIVE_RULES,
    # The JSON API's own actions and integration tokens (issue 13).
    **API_RULES,
    # Statistics: the administrator's and the unit leaders'.
    **STATISTICS_RULES,
}


def decide(actor: Actor, action: str, obj: Any = None) -> Decision:
    rule = RULES.get(action)
    if rule is None:
        logger.error("No policy rule for action %r: denied.", action)
        return Decision.HIDDEN
    if not actor.is_authenticated:
        return Decision.HIDDEN
    return rule(actor, obj)


def allowed(request_or_actor: HttpRequest | Actor, action: str, obj: Any = None) -> bool:
    """For templates and lists: may the user do this? Never raises."""
    actor = request_or_actor if isinstance(request_or_actor, Actor) else actor_for(request_or_actor)
    return decide(actor, action, obj) is Decision.ALLOW


def mark_consulted(request: HttpRequest) -> None:
    request._stafett_policy_consulted = True  # type: ignore[attr-defined]


def authorize(
    request: HttpRequest, action: str, obj: Any = None, *, log_refusal: bool = False
) -> Actor:
    """Allow, or raise LoginRequired / Http404 / PermissionDenied.

    `log_refusal` writes refused attempts on protected content to the access log.
    """
    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    decision = decide(actor, action, obj)
    if decision is Decision.ALLOW:
        return actor
    if log_refusal:
        _log_refusal(request, actor, action, obj)
    if decision is Decision.FORBIDDEN:
        raise PermissionDenied
    raise Http404


def _log_refusal(request: HttpRequest, actor: Actor, action: str, obj: Any) -> None:
    subject_uuid = getattr(obj, "uuid", None) if type(obj).__name__ == "Subject" else None
    _record_refusal(
        request,
        actor,
        action=action,
        obj=obj,
        subject_uuid=subject_uuid,
        role=actor.main_role,
        municipality_id=getattr(obj, "municipality_id", None) or actor.municipality_id,
    )


def _record_refusal(
    request: HttpRequest | None,
    actor: Actor,
    *,
    action: str,
    obj: Any,
    object_type: str = "",
    subject_uuid: Any = None,
    role: str = "",
    municipality_id: int | None = None,
) -> None:
    """A refused access, written to the access log at the point of refusal, so that it
    survives the rollback of the transaction the refusal is raised in (see
    `stafett.audit.refusals` for how, on PostgreSQL and on SQLite)."""
    from stafett.audit.refusals import record_refusal

    record_refusal(
        actor=actor.user,
        action=action,
        obj=obj,
        object_type=object_type,
        subject_uuid=subject_uuid,
        role=role,
        municipality_id=municipality_id,
        request=request,
    )


def enforce(actor: Actor, action: str, obj: Any = None, *, outsiders_404: bool = False) -> None:
    """For services, which ask the policy again inside their own transaction: allow, or
    write the refusal to the access log and raise PermissionDenied (Http404 for outsiders
    when `outsiders_404`). `obj` is what `decide` takes (LogFacts, ConcernFacts, a model)."""
    decision = decide(actor, action, obj)
    if decision is not Decision.ALLOW:
        refuse(actor, action, obj, not_found=outsiders_404 and decision is Decision.HIDDEN)


def refuse(actor: Actor, action: str, obj: Any = None, *, not_found: bool = False) -> NoReturn:
    """A service refuses `action` on `obj` (for a rule the policy's `decide` does not hold,
    e.g. who may edit an entry): the refusal is written to the access log, then raised."""
    logged, object_type, subject_uuid, role = _refused_object(actor, obj)
    _record_refusal(
        None,
        actor,
        action=action,
        obj=logged,
        object_type=object_type,
        subject_uuid=subject_uuid,
        role=role,
        municipality_id=getattr(logged, "municipality_id", None) or actor.municipality_id,
    )
    if not_found:
        raise Http404
    raise PermissionDenied


def _refused_object(actor: Actor, obj: Any) -> tuple[Any, str, Any, str]:
    """(object, its type, the child's uuid, role) for the access-log row of a refusal."""
    if isinstance(obj, LogFacts):
        return obj.log, "RelayLog", obj.log.subject.uuid, obj.role or actor.main_role
    if isinstance(obj, ConcernFacts):
        concern = obj.concern
        return concern, "Concern", _concern_subject_uuid(concern), obj.role or actor.main_role
    if obj is None:
        return None, "", None, actor.main_role
    name = type(obj).__name__
    subject_uuid = obj.uuid if name == "Subject" else None
    return obj, name, subject_uuid, actor.main_role


def requires(action: str) -> Callable[[ViewFunc], ViewFunc]:
    """Decorator for views whose action has no object (home, lists scoped by the actor)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            authorize(request, action)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def public(view: ViewFunc) -> ViewFunc:
    """Mark a view as open to everyone (log-in, health check, public pages)."""
    view.stafett_public = True  # type: ignore[attr-defined]
    return view


# ---------------------------------------------------------------------------
# Access helpers: the only way views fetch protected objects.
# ---------------------------------------------------------------------------

M = TypeVar("M", bound=Model)


def _fetch(actor: Actor, queryset: QuerySet[M], object_uuid: uuid.UUID | str) -> M:
    """A tenant-scoped lookup by public UUID; other municipalities' rows are invisible."""
    if actor.municipality_id is None:
        raise Http404
    obj = queryset.filter(uuid=object_uuid, municipality_id=actor.municipality_id).first()
    if obj is None:
        raise Http404
    return obj


def _access_object(request: HttpRequest, queryset: Any, object_uuid: uuid.UUID, action: str) -> Any:
    """Fetch an object of the actor's municipality by its UUID and ask the policy."""
    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    obj = _fetch(actor, queryset, object_uuid)
    authorize(request, action, obj)
    return obj


def access_unit(request: HttpRequest, unit_uuid: uuid.UUID, action: str) -> Unit:
    from stafett.organisation.models import Unit

    unit: Unit = _access_object(
        request, Unit.objects.select_related("service_kind"), unit_uuid, action
    )
    return unit


def access_service_kind(request: HttpRequest, kind_uuid: uuid.UUID, action: str) -> Any:
    from stafett.organisation.models import ServiceKind

    kind = _access_object(request, ServiceKind.objects.all(), kind_uuid, action)
    return kind


def access_emergency_contact(request: HttpRequest, contact_uuid: uuid.UUID, action: str) -> Any:
    from stafett.organisation.models import EmergencyContact

    contact = _access_object(request, EmergencyContact.objects.all(), contact_uuid, action)
    return contact


def access_link_request(request: HttpRequest, link_uuid: uuid.UUID, action: str) -> Any:
    """A staff member's waiting provider identity (issue 13, stafett.signin)."""
    from stafett.signin.models import LinkRequest

    return _access_object(
        request, LinkRequest.objects.select_related("provider"), link_uuid, action
    )


def access_municipality(request: HttpRequest, action: str) -> Any:
    """The user's own municipality (the only one they can ever reach)."""
    from stafett.organisation.models import Municipality

    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    if actor.municipality_id is None:
        raise Http404
    municipality = Municipality.objects.get(id=actor.municipality_id)
    authorize(request, action, municipality)
    return municipality


def current_consent(log: Any, consents: list[Any] | None = None) -> tuple[Any, Any]:
    """(consent in force or latest, its state). `consents` may be prefetched (every
    consent of the log, any order). The rule itself is `stafett.consent.state.in_force`:
    a withdrawal ends the whole chain, a replaced consent never comes back."""
    from django.utils import timezone

    from stafett.consent.models import Consent
    from stafett.consent.state import in_force

    if consents is None:
        consents = list(Consent.objects.filter(log_id=log.id).order_by("created_at", "id"))
    return in_force(consents, timezone.localdate())


def family_role_for(
    actor: Actor, log: Any, *, shared_with: frozenset[int] = frozenset()
) -> Role | None:
    """GUARDIAN or YOUTH when the actor reads the log as family, else None.

    From the consent age the youth decides (DESIGN.md §1): a guardian of a youth who
    consents alone is family to the log only while the youth shares it with them under
    the consent in force (`shared_with`, from `guardians_shared_with`); otherwise they
    are an outsider to it, like anyone else."""
    subject = log.subject
    if subject.id in actor.guardian_subject_ids:
        if not subject.consents_alone():
            return Role.GUARDIAN
        user = actor.user
        return Role.GUARDIAN if user is not None and user.id in shared_with else None
    if subject.id == actor.own_subject_id and subject.consents_alone():
        return Role.YOUTH
    return None


def is_current_coordinator(actor: Actor, log: Any) -> bool:
    """Is the actor the log's coordinator now? The baton counts only while its holder is
    a current member (employee or leader) of the log's unit (`log.unit`, the coordinator's
    unit, which follows the baton across units on a handover): someone who left the unit
    keeps no access through a baton they still nominally hold."""
    user = actor.user
    return (
        user is not None
        and actor.is_staff_member
        and log.coordinator_id == user.id
        and log.unit_id in actor.unit_ids
    )


def coordinated_by(actor: Actor) -> Any:
    """`is_current_coordinator` as a filter for querysets of RelayLog (lists, home)."""
    from django.db.models import Q

    user = actor.user
    if user is None or not actor.is_staff_member:
        return Q(pk__in=[])
    return Q(coordinator_id=user.id, unit_id__in=actor.unit_ids)


def guardians_shared_with(consent: Any, state: Any) -> frozenset[int]:
    """The guardians a youth who consents alone lets read the log: only under the consent
    in force, so the choice ends with a withdrawal or when the consent runs out."""
    from stafett.consent.models import GuardianShare

    if consent is None or state is None or not state.grants_access:
        return frozenset()
    return frozenset(
        GuardianShare.objects.filter(consent=consent, ended_at__isnull=True).values_list(
            "guardian_id", flat=True
        )
    )


def family_reader_ids(log: Any) -> set[int]:
    """The family members who may read the log now (for notifications and meeting
    invitations): the guardians with parental responsibility, or, when the youth
    consents alone, the youth and the guardians the youth shares the log with."""
    from stafett.people.models import Guardianship

    subject = log.subject
    guardians = set(
        Guardianship.objects.filter(subject=subject, parental_responsibility=True).values_list(
            "guardian_id", flat=True
        )
    )
    if not subject.consents_alone():
        return guardians
    consent, state = current_consent(log)
    readers = guardians & guardians_shared_with(consent, state)
    if subject.user_id is not None:
        readers.add(subject.user_id)
    return readers


def log_facts(actor: Actor, log: Any) -> LogFacts:
    """Everything the log rules need, in a constant number of queries."""
    from stafett.consent.models import ConsentUnit
    from stafett.logs.models import Handover, Participant

    consent, state = current_consent(log)
    scope: frozenset[int] = frozenset()
    if consent is not None and consent.completed_at is not None:
        scope = frozenset(
            ConsentUnit.objects.filter(
                consent=consent, confirmed_at__isnull=False, removed_at__isnull=True
            ).values_list("unit_id", flat=True)
        )
    user = actor.user
    participant = None
    handover = None
    if user is not None and actor.is_staff_member:
        participant = Participant.objects.current().filter(log=log, user=user).first()
        handover = (
            Handover.objects.filter(log=log, to_user=user, status=Handover.Status.PENDING)
            .filter(expires_at__gt=timezone_now())
            .first()
        )
    alone = log.subject.consents_alone()
    shared: frozenset[int] = frozenset()
    if alone and log.subject_id in actor.guardian_subject_ids:
        shared = guardians_shared_with(consent, state)
    family_role = family_role_for(actor, log, shared_with=shared)
    is_consenter = (family_role is Role.YOUTH and alone) or (
        family_role is Role.GUARDIAN and not alone
    )
    return LogFacts(
        log=log,
        consent=consent,
        consent_state=state,
        scope_unit_ids=scope,
        participant=participant,
        is_coordinator=is_current_coordinator(actor, log),
        family_role=family_role,
        is_consenter=is_consenter,
        leads_unit=bool({log.unit_id, log.origin_unit_id} & actor.leader_unit_ids),
        handover_to_me=handover,
        reads_by_share=family_role is Role.GUARDIAN and alone,
    )


def timezone_now() -> Any:
    from django.utils import timezone

    return timezone.now()


# Actions that read log content: each allowed one writes an access-log row.
CONTENT_READS = {"log.view"}


def access_log(
    request: HttpRequest, log_uuid: uuid.UUID, action: str, *, reason: str = ""
) -> tuple[Any, LogFacts]:
    """Fetch a relay log for an action. Reads of content are written to the access log
    (call this inside the `transaction.atomic()` block that reads the content)."""
    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    log = _fetch_log(actor, log_uuid)
    facts = log_facts(actor, log)
    decision = decide(actor, action, facts)
    if decision is not Decision.ALLOW:
        _refuse_log(request, actor, log, facts, action, decision)
    if action in CONTENT_READS:
        record_log_read(request, log, facts, action, reason=reason)
    return log, facts


def access_log_page(request: HttpRequest, log_uuid: uuid.UUID) -> tuple[Any, LogFacts, bool]:
    """The log page: (log, facts, full). Readers get the content (`full`); the unit's
    leader and the person the baton is offered to get the header only. Either read is
    written to the access log; call this inside the transaction that reads the page."""
    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    log = _fetch_log(actor, log_uuid)
    facts = log_facts(actor, log)
    for action in ("log.view", "log.view_summary"):
        if decide(actor, action, facts) is Decision.ALLOW:
            record_log_read(request, log, facts, action)
            return log, facts, action == "log.view"
    _refuse_log(
        request, actor, log, facts, "log.view_summary", decide(actor, "log.view_summary", facts)
    )
    raise AssertionError("unreachable")


def _fetch_log(actor: Actor, log_uuid: uuid.UUID) -> Any:
    from stafett.logs.models import RelayLog

    return _fetch(
        actor,
        RelayLog.objects.select_related(
            "subject", "subject__municipality", "unit", "origin_unit", "coordinator"
        ),
        log_uuid,
    )


def _refuse_log(
    request: HttpRequest, actor: Actor, log: Any, facts: LogFacts, action: str, decision: Decision
) -> NoReturn:
    _record_refusal(
        request,
        actor,
        action=action,
        obj=log,
        object_type="RelayLog",
        subject_uuid=log.subject.uuid,
        role=facts.role or actor.main_role,
    )
    if decision is Decision.FORBIDDEN:
        raise PermissionDenied
    raise Http404


def record_log_read(
    request: HttpRequest, log: Any, facts: LogFacts, action: str, *, reason: str = ""
) -> None:
    """One access-log row for a read of a relay log, in the caller's transaction."""
    from stafett.audit.log import record_access

    unit_name = facts.participant.unit.name if facts.participant is not None else ""
    if facts.is_coordinator:
        unit_name = log.unit.name
    record_access(
        actor=actor_for(request).user,
        action=action,
        obj=log,
        object_type="RelayLog",
        subject_uuid=log.subject.uuid,
        role=facts.role,
        unit_name=unit_name,
        reason=reason,
        request=request,
    )


# ---------------------------------------------------------------------------
# Concerns (level 0): the access helper.
# ---------------------------------------------------------------------------


def concern_facts(actor: Actor, concern: Any) -> ConcernFacts:
    """What the actor is to the concern, in at most three queries."""
    from stafett.concerns.models import ConcernShare

    user = actor.user
    if user is None or not actor.is_staff_member:
        return ConcernFacts(concern=concern, is_author=False, share=None, is_log_coordinator=False)
    share = ConcernShare.objects.filter(concern=concern, user=user).first()
    if share is not None and not concern_share_in_force(actor, share):
        share = None
    is_coordinator = False
    log = concern.log
    if log is not None and concern.carried_at is not None and is_current_coordinator(actor, log):
        _consent, state = current_consent(log)
        is_coordinator = state is not None and state.grants_access
    told_leader = concern.violence_path_at is not None or concern.status == "child_welfare"
    return ConcernFacts(
        concern=concern,
        # The author reads their concern while they work in (or lead) its unit.
        is_author=concern.author_id == user.id and concern.unit_id in actor.unit_ids,
        share=share,
        is_log_coordinator=is_coordinator,
        is_unit_leader=told_leader and concern.unit_id in actor.leader_unit_ids,
    )


def concern_share_in_force(actor: Actor, share: Any) -> bool:
    """A share counts while the person works in the unit they were shared with in
    (`share.unit`: the concern's unit, or their own unit for a colleague of another unit,
    such as the health nurse). It ends for good when they leave that unit."""
    return share.ended_at is None and share.unit_id in actor.unit_ids


def _concern_subject_uuid(concern: Any) -> Any:
    """The child named in the access-log row of a read of a concern. On the violence/abuse
    path the row names no child: it is kept (with the concern's id) for audit, but never
    reaches the family's list of who read about the child."""
    if concern.subject is None or concern.violence_path_at is not None:
        return None
    return concern.subject.uuid


def _fetch_concern(actor: Actor, concern_uuid: uuid.UUID) -> Any:
    from stafett.concerns.models import Concern

    return _fetch(
        actor, Concern.objects.select_related("subject", "unit", "author", "log"), concern_uuid
    )


def _authorize_concern_read(
    request: HttpRequest,
    actor: Actor,
    facts: ConcernFacts,
    *,
    action: str,
    obj: Any,
    object_type: str,
    decide_as: str = "",
    record: bool = True,
    reason: str = "",
) -> None:
    """Decide `decide_as` (else `action`) on a concern's facts for `obj` (the concern, its
    report or a form filled in on it). A refusal is written to the access log and answered
    404 to outsiders, 403 to insiders; an allowed read is written to the access log (when
    `record`), naming the child only as `_concern_subject_uuid` allows."""
    from stafett.audit.log import record_access

    concern = facts.concern
    subject_uuid = _concern_subject_uuid(concern)
    decision = decide(actor, decide_as or action, facts)
    if decision is not Decision.ALLOW:
        _record_refusal(
            request,
            actor,
            action=action,
            obj=obj,
            object_type=object_type,
            subject_uuid=subject_uuid,
            role=facts.role or actor.main_role,
        )
        if decision is Decision.FORBIDDEN:
            raise PermissionDenied
        raise Http404
    if record:
        record_access(
            actor=actor.user,
            action=action,
            obj=obj,
            object_type=object_type,
            subject_uuid=subject_uuid,
            role=facts.role,
            unit_name=concern.unit.name if facts.is_author else "",
            reason=reason,
            request=request,
        )


def access_concern(
    request: HttpRequest, concern_uuid: uuid.UUID, action: str, *, reason: str = ""
) -> tuple[Any, ConcernFacts]:
    """Fetch a concern for an action: 404 to outsiders, 403 to insiders without the right
    (refusals written to the access log). Every allowed call is a read of the concern and
    is written to the access log: call this inside the transaction that reads it."""
    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    concern = _fetch_concern(actor, concern_uuid)
    facts = concern_facts(actor, concern)
    _authorize_concern_read(
        request, actor, facts, action=action, obj=concern, object_type="Concern", reason=reason
    )
    return concern, facts


def open_log_of(subject: Any) -> Any:
    """The child's open relay log (at most one is open at a time), or None."""
    from stafett.logs.models import RelayLog

    if subject is None:
        return None
    return (
        RelayLog.objects.filter(subject=subject)
        .exclude(status=RelayLog.Status.CLOSED)
        .select_related("subject", "unit", "coordinator", "municipality")
        .first()
    )


def child_log_facts(actor: Actor, facts: ConcernFacts) -> ConcernFacts:
    """`facts` with the named child's open log (its facts for this actor), if any."""
    log = open_log_of(facts.concern.subject)
    return replace(facts, child_log=log_facts(actor, log) if log is not None else None)


def access_concern_to_attach(
    request: HttpRequest, concern_uuid: uuid.UUID, action: str = "concern.attach"
) -> tuple[Any, ConcernFacts]:
    """Fetch a concern to attach to the named child's open relay log: 404 to outsiders
    of the concern, 403 to its insiders who may not (not that log's coordinator, or
    nothing to attach to). An allowed call is a read of the concern, access-logged."""
    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    concern = _fetch_concern(actor, concern_uuid)
    facts = child_log_facts(actor, concern_facts(actor, concern))
    _authorize_concern_read(
        request, actor, facts, action=action, obj=concern, object_type="Concern"
    )
    return concern, facts


def access_report(
    request: HttpRequest, concern_uuid: uuid.UUID, action: str
) -> tuple[Any, ConcernFacts]:
    """Fetch a concern with its report to child welfare (or None, before the first save)
    for a `report.*` action: 404 to outsiders, 403 to insiders without the right. Every
    allowed call is a read of the report (or of the concern, before there is one) and is
    written to the access log: call this inside the transaction that reads it."""
    from stafett.concerns.models import ChildWelfareReport

    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    concern = _fetch_concern(actor, concern_uuid)
    report = ChildWelfareReport.objects.filter(concern=concern).first()
    facts = replace(concern_facts(actor, concern), report=report)
    _authorize_concern_read(
        request,
        actor,
        facts,
        action=action,
        obj=report if report is not None else concern,
        object_type="ChildWelfareReport" if report is not None else "Concern",
    )
    return concern, facts


# ---------------------------------------------------------------------------
# Action guides and tools: the access helpers.
# ---------------------------------------------------------------------------


def access_guide(request: HttpRequest, guide_uuid: uuid.UUID, action: str) -> Any:
    from stafett.guides.models import Guide

    guide = _access_object(request, Guide.objects.all(), guide_uuid, action)
    return guide


def access_form_template(request: HttpRequest, template_uuid: uuid.UUID, action: str) -> Any:
    from stafett.guides.models import FormTemplate

    template = _access_object(request, FormTemplate.objects.all(), template_uuid, action)
    return template


def access_form_field(request: HttpRequest, field_uuid: uuid.UUID, action: str) -> Any:
    """A field of a form template (asked about as its template)."""
    from stafett.guides.models import FormField

    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    if actor.municipality_id is None:
        raise Http404
    field = (
        FormField.objects.select_related("version", "version__template")
        .filter(uuid=field_uuid, version__template__municipality_id=actor.municipality_id)
        .first()
    )
    if field is None:
        raise Http404
    authorize(request, action, field.version.template)
    return field


def access_filled_form(request: HttpRequest, filled_uuid: uuid.UUID, action: str) -> Any:
    """A filled form, as the log (or the level-0 concern) it belongs to allows. An allowed
    read is written to the access log: call this inside the transaction that reads it."""
    from stafett.audit.log import record_access
    from stafett.guides.models import FilledForm

    mark_consulted(request)
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise LoginRequired
    filled: Any = _fetch(
        actor,
        FilledForm.objects.select_related(
            "entry",
            "entry__log",
            "entry__log__subject",
            "entry__log__unit",
            "entry__log__origin_unit",
            "concern",
            "concern__subject",
            "concern__unit",
            "concern__log",
            "template_version",
            "template_version__template",
            "filled_by",
        ),
        filled_uuid,
    )
    if filled.concern is not None:
        return _access_concern_form(request, actor, filled, action)
    if filled.entry is None:
        raise Http404
    log = filled.entry.log
    facts = log_facts(actor, log)
    decision = decide(actor, action, facts)
    if decision is not Decision.ALLOW:
        _record_refusal(
            request,
            actor,
            action=action,
            obj=filled,
            object_type="FilledForm",
            subject_uuid=log.subject.uuid,
            role=facts.role or actor.main_role,
        )
        if decision is Decision.FORBIDDEN:
            raise PermissionDenied
        raise Http404
    if action == "filled_form.view":
        record_access(
            actor=actor.user,
            action=action,
            obj=filled,
            object_type="FilledForm",
            subject_uuid=log.subject.uuid,
            role=facts.role,
            request=request,
        )
    return filled, facts


# A filled form on a level-0 concern follows the concern: reading it is reading the
# concern, filling one in is a step of the concern.
CONCERN_FORM_ACTIONS = {"filled_form.view": "concern.view", "filled_form.fill": "concern.edit"}


def _access_concern_form(
    request: HttpRequest, actor: Actor, filled: Any, action: str
) -> tuple[Any, ConcernFacts]:
    facts = concern_facts(actor, filled.concern)
    _authorize_concern_read(
        request,
        actor,
        facts,
        action=action,
        obj=filled,
        object_type="FilledForm",
        decide_as=CONCERN_FORM_ACTIONS.get(action, action),
        record=action == "filled_form.view",
    )
    return filled, facts


# --- end of guides helpers ---


# ---------------------------------------------------------------------------
# List scopes: lists are filtered by the same rules.
# ---------------------------------------------------------------------------


def units_led_by(actor: Actor) -> QuerySet[Unit]:
    from stafett.organisation.models import Unit

    return Unit.objects.in_municipality(actor.municipality_id).filter(id__in=actor.leader_unit_ids)


def family_subjects(actor: Actor) -> QuerySet[Subject]:
    """The children (and own record) a guardian or youth may see."""
    from django.db.models import Q

    from stafett.people.models import Subject

    ids = set(actor.guardian_subject_ids)
    if actor.own_subject_id is not None:
        ids.add(actor.own_subject_id)
    return Subject.objects.in_municipality(actor.municipality_id).filter(Q(id__in=ids))


# ---------------------------------------------------------------------------
# Enforcement.
# ---------------------------------------------------------------------------


def _is_exempt(view_func: Any) -> bool:
    if getattr(view_func, "stafett_public", False):
        return True
    module = getattr(view_func, "__module__", "") or ""
    # Django admin is for superusers only and has its own permission checks.
    return module.startswith("django.contrib.admin") or module.startswith("django.views.static")


class PolicyEnforcementMiddleware:
    """Default deny by construction: a view that did not ask the policy gets a 403.

    It also bounds the request for `stafett.audit.refusals`: refusals that could not be
    written at the point of refusal are written when the view is done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from stafett.audit.refusals import collected

        # Refusals are written where they happen; those that cannot be (SQLite, inside
        # the view's transaction) are written when the view is done.
        with collected(request):
            response = self.get_response(request)
        if getattr(request, "_stafett_policy_exempt", True):
            return response
        if not getattr(request, "_stafett_policy_consulted", False) and response.status_code < 400:
            logger.error("View for %s did not ask the access policy; refused.", request.path)
            return HttpResponseForbidden("Forbidden")
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        admin_view = getattr(view_func, "admin_site", None) is not None or _is_exempt(
            getattr(view_func, "view_class", view_func)
        )
        request._stafett_policy_exempt = admin_view or _is_exempt(view_func)  # type: ignore[attr-defined]


class LoginRedirectMiddleware:
    """Anonymous visitors of a protected page go to the log-in page (and come back)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, LoginRequired):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return None
