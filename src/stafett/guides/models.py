"""Action guides (handlingsveileder) and tools (form templates) of a municipality.

Content is versioned data. A guide or a form template has numbered versions; the
administrator edits the one *draft* (a version without `published_at`), previews it and
publishes it. A published version is never changed again: editing starts a new draft,
copied from the latest published version. Staff and the public read the latest
published version; old versions stay readable.

Texts are rows per language (`nn`, `nb`, `en`), so a language can be added without a
migration; readers fall back to the municipality's language and then to any text.

A filled form points at the exact template version (and its fields) it was filled in
with, so a later version never changes what was filled.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet
from stafett.logs.models import Step
from stafett.organisation.models import ServiceCategory

# Languages content can be written in, in the order the administrator sees them.
CONTENT_LANGUAGES: list[tuple[str, str]] = [("nn", "Nynorsk"), ("nb", "Bokmål"), ("en", "English")]
LANGUAGE_CODES = [code for code, _name in CONTENT_LANGUAGES]


class Level0Step(models.TextChoices):
    ASSESS = "assess", _("Assess the wonder")
    DESCRIBE = "describe", _("Describe what you observe")
    SHARE = "share", _("Share with colleague, leader, guardians and child")
    DECIDE = "decide", _("Decide the way forward")


LEVELS: list[tuple[int, Any]] = [
    (0, _("Level 0 – wonder and worry")),
    (1, _("Level 1 – within one service")),
    (2, _("Level 2 – two services together")),
    (3, _("Level 3 – several services together")),
]
LEVEL_LABELS = dict(LEVELS)
STEP_CHOICES = list(Level0Step.choices) + list(Step.choices)
STEP_LABELS = dict(STEP_CHOICES)


def steps_for_level(level: int) -> list[str]:
    """The steps of a level, in order: four at level 0, the relay log's five above."""
    if level == 0:
        return [str(value) for value in Level0Step.values]
    return [str(value) for value in Step.values]


def all_level_steps() -> list[tuple[int, str]]:
    return [(level, step) for level, _label in LEVELS for step in steps_for_level(level)]


# ---------------------------------------------------------------------------
# Form templates (tools)
# ---------------------------------------------------------------------------


class TemplateKind(models.TextChoices):
    OBSERVATION = "observation", _("Observation form")
    MAPPING = "mapping", _("Mapping form")
    DISTRESS_SIGNS = "distress_signs", _("Signs of possible distress")
    CONVERSATION = "conversation", _("Conversation guide")
    MEETING = "meeting", _("Meeting template")
    CONSENT = "consent", _("Consent form text")
    OTHER = "other", _("Other tool")


class FieldType(models.TextChoices):
    TEXT = "text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    CHOICE = "choice", _("One choice")
    MULTI_CHOICE = "multi_choice", _("Several choices")
    SCALE = "scale", _("Scale")
    DATE = "date", _("Date")
    CHECKLIST = "checklist", _("Checklist")


OPTION_TYPES = {FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.CHECKLIST}


class FormTemplate(PublicIdModel):
    """A tool of the municipality. Withdrawn tools are kept (guides and filled forms
    still refer to them) but are no longer offered."""

    municipality = models.ForeignKey(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="form_templates"
    )
    kind = models.CharField(_("kind of tool"), max_length=20, choices=TemplateKind.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["municipality", "position", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class FormTemplateVersion(models.Model):
    template = models.ForeignKey(FormTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="form_template_version_number_once"
            ),
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(published_at__isnull=True),
                name="form_template_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.published_at is None


class FormTemplateText(models.Model):
    version = models.ForeignKey(FormTemplateVersion, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=5, choices=CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="form_text_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class FormField(PublicIdModel):
    version = models.ForeignKey(
        FormTemplateVersion, on_delete=models.CASCADE, related_name="fields"
    )
    position = models.PositiveSmallIntegerField(default=0)
    field_type = models.CharField(_("type"), max_length=15, choices=FieldType.choices)
    required = models.BooleanField(_("must be answered"), default=False)
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=10)

    class Meta:
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return f"{self.field_type} #{self.position}"


class FormFieldText(models.Model):
    """A field's words in one language. `options` holds one option a line (choices and
    checklists); the lines line up across languages. `section` starts a new part of
    the form with this heading (e.g. "Preparation" or "6–12 years")."""

    field = models.ForeignKey(FormField, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=5, choices=CONTENT_LANGUAGES)
    section = models.CharField(_("section heading"), max_length=200, blank=True)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.TextField(_("help text"), blank=True)
    options = models.TextField(_("options, one a line"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "language"], name="form_field_text_once")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.language})"

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]


class FilledForm(PublicIdModel):
    """A form filled in by a professional, kept with the template version it was filled
    in with. Attached to a relay-log entry; other owners (a level-0 concern) get their
    own nullable foreign key, and exactly one owner is set."""

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    template_version = models.ForeignKey(
        FormTemplateVersion, on_delete=models.PROTECT, related_name="filled_forms"
    )
    entry = models.ForeignKey(
        "logs.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="filled_forms"
    )
    concern = models.ForeignKey(
        "concerns.Concern",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filled_forms",
    )
    language = models.CharField(max_length=5, choices=CONTENT_LANGUAGES)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filled_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-filled_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(entry__isnull=False) & Q(concern__isnull=True))
                | (Q(entry__isnull=True) & Q(concern__isnull=False)),
                name="filled_form_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Filled form {self.uuid}"


class FilledAnswer(models.Model):
    """One answer. Text and dates in their own columns; choices and checklists as the
    chosen option numbers (0-based, one a line) with their words as shown then."""

    form = models.ForeignKey(FilledForm, on_delete=models.CASCADE, related_name="answers")
    field = models.ForeignKey(FormField, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    number = models.SmallIntegerField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    chosen = models.TextField(blank=True)
    chosen_labels = models.TextField(blank=True)

    class Meta:
        ordering = ["form", "field__position", "field_id"]
        constraints = [models.UniqueConstraint(fields=["form", "field"], name="filled_answer_once")]

    def __str__(self) -> str:
        return f"answer {self.form_id}/{self.field_id}"

    @property
    def chosen_label_list(self) -> list[str]:
        return [line for line in self.chosen_labels.splitlines() if line]


# ---------------------------------------------------------------------------
# Action guides
# ---------------------------------------------------------------------------


class Guide(PublicIdModel):
    """One action guide of a municipality. A guide with a service category is the one
    staff of that category's units see beside their logs; the municipality can add
    more guides without a category (shown on the public page)."""

    municipality = models.ForeignKey(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="guides"
    )
    category = models.CharField(
        _("for services of the category"),
        max_length=10,
        choices=ServiceCategory.choices,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["municipality", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "category"],
                condition=~Q(category=""),
                name="guide_one_per_category",
            )
        ]

    def __str__(self) -> str:
        return f"Guide {self.uuid}"


class GuideVersion(models.Model):
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["guide", "number"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="guide_version_number_once"),
            models.UniqueConstraint(
                fields=["guide"], condition=Q(published_at__isnull=True), name="guide_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guide_id} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.published_at is None


class GuideText(models.Model):
    version = models.ForeignKey(GuideVersion, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=5, choices=CONTENT_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="guide_text_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class GuideStep(models.Model):
    version = models.ForeignKey(GuideVersion, on_delete=models.CASCADE, related_name="steps")
    level = models.PositiveSmallIntegerField(_("level"), choices=LEVELS)
    step = models.CharField(_("step"), max_length=12, choices=STEP_CHOICES)
    tools: models.ManyToManyField[FormTemplate, GuideStepTool] = models.ManyToManyField(
        FormTemplate, through="GuideStepTool", related_name="+"
    )

    class Meta:
        ordering = ["version", "level", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "level", "step"], name="guide_step_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.level}/{self.step}"


class GuideStepText(models.Model):
    guide_step = models.ForeignKey(GuideStep, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=5, choices=CONTENT_LANGUAGES)
    what = models.TextField(_("what to do"), blank=True)
    how = models.TextField(_("how to do it"), blank=True)
    who = models.TextField(_("who does it"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guide_step", "language"], name="guide_step_text_once")
        ]

    def __str__(self) -> str:
        return f"{self.guide_step_id} ({self.language})"


class GuideStepTool(models.Model):
    """A tool recommended at a step. PROTECT: a tool is withdrawn, never deleted, so a
    guide step always shows what it pointed at."""

    guide_step = models.ForeignKey(GuideStep, on_delete=models.CASCADE, related_name="tool_links")
    template = models.ForeignKey(FormTemplate, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["guide_step", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["guide_step", "template"], name="guide_step_tool_once")
        ]

    def __str__(self) -> str:
        return f"{self.guide_step_id} → {self.template_id}"
