"""The relay log (stafettlogg): one per child or pregnant woman, owned by the family.

Content is append-only: an `Entry` is the identity of a goal, measure, meeting, ...
and each change adds an `EntryVersion`; `Entry.latest` points at the newest one.
Decisions (level, step, closing) and events (participants, handovers, consent) are
entries too, so the timeline is the log's whole history.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stafett.core.models import PublicIdModel, TenantQuerySet


class Level(models.IntegerChoices):
    ONE = 1, _("Level 1 – within one service")
    TWO = 2, _("Level 2 – two services together")
    THREE = 3, _("Level 3 – several services together")


class Step(models.TextChoices):
    START = "start", _("Start and assessment")
    PLANNING = "planning", _("Planning")
    MEASURES = "measures", _("Carrying out measures")
    EVALUATION = "evaluation", _("Evaluation")
    DECISION = "decision", _("Decision on the way forward")


STEP_HELP = {
    Step.START: _(
        "Create a shared understanding of the challenge with the family: what do we see, "
        "what does the child say, what do the guardians say?"
    ),
    Step.PLANNING: _(
        "Agree on goals and measures: what will be done, who is responsible, when does it "
        "start and when will it be evaluated?"
    ),
    Step.MEASURES: _("Carry out the measures as agreed and note what happens along the way."),
    Step.EVALUATION: _(
        "Meet and evaluate each measure: what happened, what effect did it have, what next?"
    ),
    Step.DECISION: _(
        "Decide the way forward: continue, change level, or close the log when the goals are met."
    ),
}


class CloseReason(models.TextChoices):
    GOALS_MET = "goals_met", _("The goals are met")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent was withdrawn")
    INDIVIDUAL_PLAN = "individual_plan", _("Moved on to an individual plan (individuell plan)")
    MOVED_AWAY = "moved_away", _("Moved away")
    FAMILY_ENDED = "family_ended", _("The family chose to end it")
    OTHER = "other", _("Other")


class RelayLog(PublicIdModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for consent")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, related_name="relay_logs"
    )
    origin_unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, related_name="originated_logs"
    )
    # The unit that holds the baton now (the coordinator's unit); changes on transfer.
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="logs")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coordinated_logs"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    step = models.CharField(_("step"), max_length=12, choices=Step.choices, default=Step.START)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    continues_in = models.CharField(_("where the work continues"), max_length=300, blank=True)
    # Bumped by every change to the header (level, step, status, coordinator), so that two
    # people deciding at once cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["municipality", "unit", "status"]),
            models.Index(fields=["coordinator", "status"]),
            models.Index(fields=["subject"]),
            # Statistics: logs open at a moment, closed in a period.
            models.Index(fields=["municipality", "activated_at"], name="log_stats_activated"),
            models.Index(fields=["municipality", "closed_at"], name="log_stats_closed"),
        ]

    def __str__(self) -> str:
        return f"Relay log {self.uuid}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def step_help(self) -> str:
        return str(STEP_HELP[Step(self.step)])


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def current(self) -> ParticipantQuerySet:
        return self.filter(removed_at__isnull=True)


class Participant(PublicIdModel):
    """A professional taking part in the log for a unit, with a task."""

    log = models.ForeignKey(RelayLog, on_delete=models.PROTECT, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations"
    )
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    task = models.CharField(_("task in the collaboration"), max_length=300)
    can_write = models.BooleanField(_("may write"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removal_message = models.CharField(max_length=500, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["log", "user"],
                condition=Q(removed_at__isnull=True),
                name="participant_once_per_log",
            )
        ]
        indexes = [models.Index(fields=["user", "removed_at"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.task})"


class Handover(PublicIdModel):
    """A proposal to hand the baton to a new coordinator; the old one keeps it until
    the new one accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    log = models.ForeignKey(RelayLog, on_delete=models.PROTECT, related_name="handovers")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incoming_handovers"
    )
    to_unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(_("message to the new coordinator"))
    proposed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_message = models.CharField(max_length=500, blank=True)
    # The old coordinator stays on in the log as a participant (for the unit they held the
    # baton for) once the new one accepts, with this task. Offered only while the family's
    # consent covers that unit: otherwise they could not read the log anyway.
    from_stays = models.BooleanField(_("stays on as a participant"), default=False)
    stay_task = models.CharField(_("task after the handover"), max_length=300, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["log"], condition=Q(status="pending"), name="one_pending_handover_per_log"
            )
        ]
        indexes = [
            models.Index(fields=["to_user", "status"]),
            # Statistics: handovers accepted in a period.
            models.Index(fields=["status", "answered_at"], name="handover_stats_answered"),
        ]

    def __str__(self) -> str:
        return f"Handover {self.from_user} → {self.to_user}"

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        return self.status == self.Status.PENDING and (now or timezone.now()) < self.expires_at


class HandoverMeasure(models.Model):
    """The proposer's choice of who holds a measure the old coordinator is responsible
    for, once the new coordinator accepts (a new version of the measure is written then).
    `to_user` None: the new coordinator. `base_version`: the version the proposer saw."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="measures")
    measure = models.ForeignKey("Entry", on_delete=models.PROTECT, related_name="+")
    base_version = models.PositiveIntegerField()
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "measure"], name="handover_measure_once")
        ]

    def __str__(self) -> str:
        return f"{self.handover_id}: measure {self.measure_id}"


class EntryKind(models.TextChoices):
    UNDERSTANDING = "understanding", _("Shared understanding")
    GOAL = "goal", _("Goal")
    MEASURE = "measure", _("Measure")
    MEETING = "meeting", _("Meeting")
    EVALUATION = "evaluation", _("Evaluation")
    BRIGHT_SPOT = "bright_spot", _("Bright spot")
    CHILD_VOICE = "child_voice", _("The child's voice")
    NOTE = "note", _("Note")
    DECISION = "decision", _("Decision")
    EVENT = "event", _("Event")


# Kinds people write and may edit (a new version each time); decisions and events are
# written by the system as part of the action they record.
EDITABLE_KINDS = {
    EntryKind.UNDERSTANDING,
    EntryKind.GOAL,
    EntryKind.MEASURE,
    EntryKind.MEETING,
    EntryKind.EVALUATION,
    EntryKind.BRIGHT_SPOT,
    EntryKind.CHILD_VOICE,
    EntryKind.NOTE,
}


class Entry(PublicIdModel):
    log = models.ForeignKey(RelayLog, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    latest = models.OneToOneField(
        "EntryVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    version_count = models.PositiveIntegerField(default=0)
    # The youth's own voice "for my coordinator only": read by the youth who wrote it and
    # by whoever holds the baton, hidden from guardians and the other participants (the
    # policy's `entry_visible` decides; set when written, never changed).
    coordinator_only = models.BooleanField(_("for my coordinator only"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["log", "kind", "created_at"]),
            models.Index(fields=["log", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    EVALUATED = "evaluated", _("Evaluated")
    STOPPED = "stopped", _("Stopped")


# A measure still being carried out needs someone responsible who can read the log: every
# status but stopped (an evaluated measure usually goes on, changed or not).
OPEN_MEASURE_STATUSES = (MeasureStatus.PLANNED, MeasureStatus.RUNNING, MeasureStatus.EVALUATED)


class MeetingKind(models.TextChoices):
    START_UP = "start_up", _("Start-up meeting")
    PLANNING = "planning", _("Planning meeting")
    EVALUATION = "evaluation", _("Evaluation meeting")
    DECISION = "decision", _("Decision meeting")
    AD_HOC = "ad_hoc", _("Ad hoc meeting")


class Effect(models.TextChoices):
    BETTER = "better", pgettext_lazy("effect", "Better")
    SOMEWHAT = "somewhat", pgettext_lazy("effect", "Somewhat better")
    UNCHANGED = "unchanged", pgettext_lazy("effect", "No change")
    WORSE = "worse", pgettext_lazy("effect", "Worse")


class VoiceMode(models.TextChoices):
    OWN = "own", _("Written by the youth")
    RECORDED = "recorded", _("What the child said, written down by an adult")


class DecisionKind(models.TextChoices):
    STEP = "step", _("Moved to another step")
    LEVEL = "level", _("Moved to another level")
    CLOSE = "close", _("Closed the log")
    REOPEN = "reopen", _("Reopened the log")


class EntryVersion(models.Model):
    """One immutable version of an entry. Kind-specific fields are typed columns."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=200)
    author_role = models.CharField(max_length=40)
    author_unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    # Measures: the person responsible (the coordinator or a participant) and the unit
    # they answered for when the version was written.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    responsible_unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    evaluation_date = models.DateField(_("evaluation date"), null=True, blank=True)
    measure_status = models.CharField(
        _("status"), max_length=10, choices=MeasureStatus.choices, blank=True
    )
    # Meetings.
    meeting_kind = models.CharField(
        _("kind of meeting"), max_length=12, choices=MeetingKind.choices, blank=True
    )
    starts_at = models.DateTimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    invited = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    attended = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    # Evaluations.
    measure = models.ForeignKey(
        Entry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("measure"),
    )
    effect = models.CharField(_("effect"), max_length=10, choices=Effect.choices, blank=True)
    next_steps = models.TextField(_("what next"), blank=True)
    # Evaluation: the worry now, on the municipality's worry scale (1–10), if scored.
    worry_score = models.PositiveSmallIntegerField(_("worry now"), null=True, blank=True)
    # The child's voice.
    voice_mode = models.CharField(max_length=10, choices=VoiceMode.choices, blank=True)
    # Decisions.
    decision_kind = models.CharField(max_length=8, choices=DecisionKind.choices, blank=True)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    from_step = models.CharField(max_length=12, choices=Step.choices, blank=True)
    to_step = models.CharField(max_length=12, choices=Step.choices, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    continues_in = models.CharField(max_length=300, blank=True)
    # Events: the kind and its parameters (`logs.events`), rendered in the reader's
    # language. `body` keeps the line in English; rows from before the parameters (None)
    # keep only the text in the writer's language.
    event_type = models.CharField(max_length=40, blank=True)
    event_params = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="entry_version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number}"
