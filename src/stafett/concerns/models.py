"""Level 0: a concern (undring, uro, bekymring) and the municipality's worry scale.

A concern walks four steps, each with its records: assess, describe, share, decide.
Every record is a `ConcernRecord` row (one table, so the history reads in one query).
"Overdue" is derived from `decide_by`, never stored twice.

The violence/abuse path (`Concern.violence_path_at`) and the report to child welfare
(`ChildWelfareReport`, one per concern, its content saved as append-only versions) are
staff-only: nothing on them is ever shown or sent to guardians or the youth.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet


class Step(models.TextChoices):
    ASSESS = "assess", _("Assess the concern")
    DESCRIBE = "describe", _("Describe what you see")
    SHARE = "share", _("Share")
    DECIDE = "decide", _("Decide")


class Outcome(models.TextChoices):
    CLOSE = "close", _("Close: no further worry")
    OBSERVE = "observe", _("Go on observing")
    LEVEL = "level", _("Go on at level 1, 2 or 3 with a relay log")
    CHILD_WELFARE = "child_welfare", _("Report to child welfare")
    # The child already had a relay log: the concern goes on in it (issue 11).
    ATTACH = "attach", _("Attached to the child's relay log")


class Concern(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        LOG = "log", _("Continued in a relay log")
        CHILD_WELFARE = "child_welfare", _("Reported to child welfare")

    class Kind(models.TextChoices):
        CHILD = "child", _("Child or youth")
        PREGNANT = "pregnant", _("Pregnant woman")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns"
    )
    kind = models.CharField(_("about"), max_length=10, choices=Kind.choices, default=Kind.CHILD)
    # Until the person is named: initials or "a child in group X".
    label = models.CharField(_("who it is about, without a name"), max_length=120, blank=True)
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    noticed = models.TextField(_("what you noticed"))
    noticed_on = models.DateField(_("when"))
    noticed_where = models.CharField(_("where"), max_length=200, blank=True)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.ASSESS)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decide_by = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    # A guardian asked for help themselves; the guardian is involved from the start.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    log = models.ForeignKey(
        "logs.RelayLog", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    carried_at = models.DateTimeField(null=True, blank=True)
    # Level 0 is the staff's own documentation. What the family will read in the relay log
    # is chosen at "decide" (issue 10): the first description, the worry scores, and each
    # record (`ConcernRecord.for_log`). Nothing else leaves the concern.
    noticed_for_log = models.BooleanField(default=False)
    scores_for_log = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=1)
    # The violence/abuse path: when and by whom it was taken (never undone).
    violence_path_at = models.DateTimeField(null=True, blank=True)
    violence_path_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["municipality", "author", "status"]),
            models.Index(fields=["municipality", "status", "decide_by"]),
            # Statistics: concerns registered in a period.
            models.Index(fields=["municipality", "created_at"], name="concern_stats_created"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_anonymous(self) -> bool:
        return self.subject_id is None

    @property
    def display_name(self) -> str:
        if self.subject is not None:
            return self.subject.full_name
        return self.label or str(_("Not named yet"))

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.decide_by < (today or timezone.localdate())

    @property
    def is_violence_path(self) -> bool:
        return self.violence_path_at is not None

    @property
    def family_status(self) -> str:
        """The status a guardian who asked for help sees. On the violence/abuse path the
        guardian's view never changes: it stays as it was when the path was taken."""
        if self.is_violence_path:
            return str(self.Status.OPEN)
        return str(self.status)


class ConcernShare(models.Model):
    """The concern shared with a colleague or the unit's leader, who read it and add a view."""

    class Role(models.TextChoices):
        COLLEAGUE = "colleague", _("Colleague")
        LEADER = "leader", _("Unit leader")

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)
    first_read_at = models.DateTimeField(null=True, blank=True)
    # The unit the person was shared with in: the concern's unit, or (for a colleague of
    # another unit, e.g. the health nurse) their own. The share counts only while they
    # work there, and ends for good (`ended_at`) when they leave it.
    unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["concern", "user"], name="concern_share_unique")
        ]

    def __str__(self) -> str:
        return f"{self.concern_id} → {self.user_id}"


class RecordKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    OBSERVATION = "observation", _("Observation")
    SHARED = "shared", _("Shared")
    VIEW = "view", _("View")
    FAMILY_TALK = "family_talk", _("Talk with the family")
    NAMED = "named", _("Named")
    DECISION = "decision", _("Decision")
    HELP_REQUEST = "help_request", _("Request from a guardian")
    VIOLENCE_PATH = "violence_path", _("Violence or abuse suspected")
    REPORT = "report", _("Report to child welfare")


class ConcernRecord(models.Model):
    """One line in a concern's history. Append-only."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    body = models.TextField(blank=True)
    # The system's own lines (not what people wrote): their key and parameters
    # (`logs.events.CONCERN_LINES`), so that each reader reads them in their language;
    # `body` then keeps the line in English. None for people's text and older rows.
    params = models.JSONField(null=True, blank=True)
    # A talk with the family: who was told, when, whether the child took part.
    told_who = models.CharField(max_length=200, blank=True)
    told_on = models.DateField(null=True, blank=True)
    with_child = models.BooleanField(default=False)
    # A decision.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    observe_until = models.DateField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    # Chosen at "decide" to be carried into the relay log (credited to its author).
    for_log = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"

    @property
    def text(self) -> str:
        """The record's text in the active language (`logs.events.concern_line`)."""
        from stafett.logs.events import concern_line

        return concern_line(self.params, self.body)


class Urgency(models.TextChoices):
    ACUTE = "acute", _("Acute: the child may be in danger now (call as well)")
    URGENT = "urgent", _("Urgent: child welfare should act within days")
    ORDINARY = "ordinary", _("Not urgent")


class SentHow(models.TextChoices):
    POST = "post", _("By post")
    SECURE = "secure", _("By the municipality's secure channel (outside Stafett)")
    HAND = "hand", _("Delivered by hand")
    PHONE = "phone", _("By phone, followed up in writing")
    # Sent by Stafett through KS Fiks bekymringsmelding (stafett.delivery.reports); never
    # offered when marking a report as sent by hand.
    FIKS = "fiks", _("Through KS Fiks (bekymringsmelding)")


class ChildWelfareReport(PublicIdModel):
    """The report to child welfare (bekymringsmelding) for a concern. A draft its author
    edits; each save is a new `ReportVersion` (append-only). Marked as sent, it is
    frozen. Stafett does not send it: the author sends it and records how."""

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    concern = models.OneToOneField(Concern, on_delete=models.PROTECT, related_name="report")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_how = models.CharField(_("sent how"), max_length=10, choices=SentHow.choices, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("report to child welfare")
        verbose_name_plural = _("reports to child welfare")

    def __str__(self) -> str:
        return f"report {self.uuid}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


class ReportVersion(models.Model):
    """The report's content as saved once. The newest is the report; older ones stay."""

    report = models.ForeignKey(
        ChildWelfareReport, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_by_name = models.CharField(max_length=200)
    # To whom: the child welfare office the report is addressed to (issue 11). Blank in
    # versions saved before the field existed.
    addressee = models.CharField(_("to (the child welfare office)"), max_length=200, blank=True)
    # Who reports.
    reporter_name = models.CharField(_("your name"), max_length=200)
    reporter_role = models.CharField(_("your role"), max_length=200, blank=True)
    reporter_unit = models.CharField(_("your unit"), max_length=200)
    reporter_phone = models.CharField(_("your phone"), max_length=40, blank=True)
    # About whom.
    child_name = models.CharField(_("the child's name"), max_length=200, blank=True)
    child_birth_date = models.DateField(_("the child's birth date"), null=True, blank=True)
    child_address = models.CharField(_("the child's address"), max_length=300, blank=True)
    guardians = models.TextField(_("guardians"), blank=True)
    # What and why.
    observed = models.TextField(_("what you observed"))
    done = models.TextField(_("what has been done"), blank=True)
    guardians_informed = models.BooleanField(_("the guardians are informed"), default=False)
    not_informed_why = models.TextField(_("why the guardians are not informed"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


class WorryScore(models.Model):
    """A score on the municipality's worry scale, with its date. Several over time."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(
        _("worry"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    scored_on = models.DateField(_("date"))
    note = models.CharField(_("why this score"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scored_on", "id"]

    def __str__(self) -> str:
        return f"{self.score} ({self.scored_on})"


class Level0Settings(models.Model):
    """Where a guardian's request for help goes when the family does not know which unit."""

    municipality = models.OneToOneField(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="level0_settings"
    )
    help_request_unit = models.ForeignKey(
        "organisation.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit that receives requests when the family does not know where to go"),
    )

    def __str__(self) -> str:
        return str(self.municipality_id)


class WorryBand(models.Model):
    """An anchor text for a band of the worry scale, in the municipality's languages:
    `texts` is keyed by language code (`{"nn": …, "nb": …, "en": …}`, see core/texts.py)."""

    municipality = models.ForeignKey(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="worry_bands"
    )
    low = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    high = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    texts = models.JSONField(_("texts by language"), default=dict, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["municipality", "low"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "low"], name="worry_band_unique_low"),
            models.CheckConstraint(condition=Q(low__lte=models.F("high")), name="worry_band_order"),
        ]

    def __str__(self) -> str:
        return f"{self.low}–{self.high}"
