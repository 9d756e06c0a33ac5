"""Forms for writing in a relay log. They validate what a person typed and give a clear
message next to the field; the services check everything again and make the change."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.accounts.models import User
from stafett.logs import selectors
from stafett.logs.models import (
    Effect,
    Entry,
    EntryKind,
    EntryVersion,
    MeasureStatus,
    MeetingKind,
    RelayLog,
)
from stafett.organisation.forms import AccessibleForm
from stafett.policy import LogFacts, Role

OSLO = ZoneInfo("Europe/Oslo")


def _text(
    label: Any, *, required: bool = True, help_text: Any = "", rows: int = 5, missing: Any = None
) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": missing or _("Write something first.")},
    )


def _date(label: Any, missing: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": missing, "invalid": _("Write the date as dd.mm.yyyy.")},
    )


class ResponsibleChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """People who can be responsible, labelled with their unit and task."""

    labels: dict[int, str]

    def label_from_instance(self, obj: Any) -> str:
        return self.labels.get(obj.id, str(obj))


class MeasureChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        entry: Entry = obj
        return entry.latest.title if entry.latest is not None else str(entry.uuid)


class PeopleField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """People in the log, labelled with what they are in it."""

    roles: dict[int, str]

    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        role = getattr(self, "roles", {}).get(user.id, "")
        return f"{user} ({role})" if role else str(user)


class EntryForm(AccessibleForm):
    """One kind of content. `editing` adds the version number the editor started from."""

    kind: ClassVar[str]
    # Forms that show some of the log's content (and so count as reading it).
    shows_content: ClassVar[bool] = False
    # Fields that exist only when editing (minutes of a meeting, ...).
    edit_only: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *args: Any,
        log: RelayLog,
        facts: LogFacts,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.log = log
        self.facts = facts
        self.editing = editing
        if editing:
            self.fields["base_version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
        else:
            for name in self.edit_only:
                self.fields.pop(name, None)

    def service_fields(self) -> dict[str, Any]:
        """What to pass to services.add_entry / edit_entry."""
        data = dict(self.cleaned_data)
        data.pop("base_version", None)
        data.pop("confirm_past", None)
        return data

    # --- dates that have passed: a warning, and a box to save anyway -----------------

    def _is_new_past(self, value: Any, now: Any, *initial_names: str) -> bool:
        """`value` has passed and was typed now (not kept from the version being edited)."""
        if value is None or value >= now:
            return False
        kept = tuple(self.initial.get(name) for name in initial_names)
        typed = tuple(self.cleaned_data.get(name) for name in initial_names)
        return not self.editing or kept != typed

    def _confirm_past(self, field: str, message: Any, confirm_label: Any) -> None:
        """Refuse a date that has passed unless the box is ticked; the box appears with
        the message, so the second save is a choice, not an accident."""
        if self.data.get("confirm_past") in ("on", "true", "True", "1"):
            return
        self.add_error(field, message)
        self.fields["confirm_past"] = forms.BooleanField(label=confirm_label, required=False)

    @classmethod
    def initial_from(cls, version: EntryVersion) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name in cls.base_fields:
            if hasattr(version, name) and name not in ("invited", "attended"):
                value = getattr(version, name)
                initial[name] = value
        return initial


class UnderstandingForm(EntryForm):
    kind = EntryKind.UNDERSTANDING
    body = _text(
        _("What do we understand the challenge to be?"),
        help_text=_("What do we see, what does the child say, what do the guardians say?"),
        rows=8,
    )


class GoalForm(EntryForm):
    kind = EntryKind.GOAL
    title = forms.CharField(
        label=_("The goal"),
        max_length=200,
        error_messages={"required": _("Write the goal.")},
        help_text=_("Short and concrete: what should be different?"),
    )
    body = _text(_("More about the goal"), required=False, rows=4)


class MeasureForm(EntryForm):
    kind = EntryKind.MEASURE
    title = forms.CharField(
        label=_("What will be done"),
        max_length=200,
        error_messages={"required": _("Write what the measure is.")},
    )
    body = _text(_("Description"), required=False, rows=4)
    responsible = ResponsibleChoiceField(
        label=_("Who is responsible"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a person"),
        error_messages={
            "required": _("Choose who is responsible for the measure."),
            "invalid_choice": _("The responsible person must take part in this log."),
        },
    )
    start_date = _date(_("Start date"), _("Give the start date."))
    evaluation_date = _date(_("Evaluation date"), _("Give the evaluation date."))
    measure_status = forms.ChoiceField(
        label=_("Status"), choices=MeasureStatus.choices, initial=MeasureStatus.PLANNED
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible"]
        assert isinstance(field, ResponsibleChoiceField)
        choices = selectors.responsible_choices(self.log)
        field.labels = {c.user.id: f"{c.user} ({c.unit.name}) – {c.task}" for c in choices}
        order = {c.user.id: index for index, c in enumerate(choices)}
        # The queryset validates the choice; the order follows the list (coordinator first).
        field.queryset = User.objects.filter(id__in=list(order))
        field.choices = [("", field.empty_label)] + [  # type: ignore[assignment]
            (c.user.uuid, field.labels[c.user.id]) for c in choices
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, evaluation = cleaned.get("start_date"), cleaned.get("evaluation_date")
        if start is not None and evaluation is not None and evaluation < start:
            self.add_error(
                "evaluation_date", _("The evaluation date cannot be before the start date.")
            )
        elif self._is_new_past(evaluation, timezone.localdate(), "evaluation_date"):
            self._confirm_past(
                "evaluation_date",
                _(
                    "The evaluation date has passed. Choose a later date, or tick the box "
                    "below and save again."
                ),
                _("Yes, save an evaluation date that has passed"),
            )
        return cleaned


class MeetingForm(EntryForm):
    kind = EntryKind.MEETING
    edit_only = ("minutes", "decisions", "attended", "cancelled")

    meeting_kind = forms.ChoiceField(
        label=_("Kind of meeting"),
        choices=[("", _("Choose")), *MeetingKind.choices],
        error_messages={"required": _("Choose the kind of meeting.")},
    )
    date = _date(_("Date"), _("Give the date of the meeting."))
    time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Give the time of the meeting."),
            "invalid": _("Write the time as hh:mm."),
        },
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Where you meet. Leave empty for a video meeting."),
    )
    video_link = forms.URLField(
        label=_("Video link"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Write a whole web address, starting with https://")},
    )
    invited = PeopleField(
        label=_("Invited"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Only people in this log can be invited to its meetings.")
        },
    )
    agenda = _text(_("Agenda"), required=False, rows=5)
    minutes = _text(_("Minutes"), required=False, rows=8)
    decisions = _text(_("Decisions"), required=False, rows=4)
    attended = PeopleField(
        label=_("Who came"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Only people in this log can attend its meetings.")},
    )
    cancelled = forms.BooleanField(label=_("The meeting is cancelled"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = selectors.meeting_people(self.log)
        roles = meeting_roles(self.log, self.facts)
        for name in ("invited", "attended"):
            field = self.fields.get(name)
            if isinstance(field, PeopleField):
                field.queryset = people
                field.roles = roles

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        no_place = not cleaned.get("place") and not cleaned.get("video_link")
        if no_place and "video_link" not in self.errors:
            self.add_error("place", _("Give a place or a video link."))
        day, time = cleaned.get("date"), cleaned.get("time")
        if day is not None and time is not None:
            starts = datetime.datetime.combine(day, time, tzinfo=OSLO)
            if self._is_new_past(starts, timezone.now(), "date", "time"):
                self._confirm_past(
                    "date",
                    _(
                        "This time has passed. To record a meeting that was held, tick the "
                        "box below and save again: nobody is invited to it."
                    ),
                    _("Yes, record a meeting that was already held"),
                )
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = super().service_fields()
        day: datetime.date = data.pop("date")
        time: datetime.time = data.pop("time")
        data["starts_at"] = datetime.datetime.combine(day, time, tzinfo=OSLO)
        for name in ("invited", "attended"):
            if name in data:
                data[name] = list(data[name])
        return data

    @classmethod
    def initial_from(cls, version: EntryVersion) -> dict[str, Any]:
        initial = super().initial_from(version)
        if version.starts_at is not None:
            local = version.starts_at.astimezone(OSLO)
            initial["date"] = local.date()
            initial["time"] = local.time().replace(second=0, microsecond=0)
        initial["invited"] = [u.uuid for u in version.invited.all()]
        initial["attended"] = [u.uuid for u in version.attended.all()]
        return initial


def meeting_roles(log: RelayLog, facts: LogFacts) -> dict[int, str]:
    """What each person is in the log, for the meeting form's checkboxes."""
    from stafett.policy import family_reader_ids

    roles: dict[int, str] = {}
    for choice in selectors.responsible_choices(log):
        roles[choice.user.id] = choice.unit.name
    # Only family who may read the log: a youth who consents alone decides whether the
    # guardians take part at all.
    for person_id in family_reader_ids(log):
        roles[person_id] = (
            str(_("the youth")) if person_id == log.subject.user_id else str(_("guardian"))
        )
    if log.subject.user_id:
        roles[log.subject.user_id] = str(_("the youth"))
    roles[log.coordinator_id] = str(_("coordinator"))
    return roles


class EvaluationForm(EntryForm):
    kind = EntryKind.EVALUATION
    shows_content = True

    measure = MeasureChoiceField(
        label=_("Which measure"),
        queryset=Entry.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a measure"),
        error_messages={
            "required": _("Choose the measure you evaluate."),
            "invalid_choice": _("Choose a measure in this log to evaluate."),
        },
    )
    body = _text(_("What happened"), rows=5, missing=_("Write what happened."))
    effect = forms.ChoiceField(
        label=_("What effect did it have"),
        choices=Effect.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the effect.")},
    )
    next_steps = _text(_("What next"), required=False, rows=4)
    worry_score = forms.TypedChoiceField(
        label=_("Worry now"),
        help_text=_("Optional. 1 is no worry, 10 is serious worry: act now."),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["measure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.measure_choices(self.log)
        from stafett.concerns.forms import use_scale

        score_field = self.fields["worry_score"]
        assert isinstance(score_field, forms.TypedChoiceField)
        use_scale(score_field, self.log.municipality_id, _("Not scored"))

    @classmethod
    def initial_from(cls, version: EntryVersion) -> dict[str, Any]:
        initial = super().initial_from(version)
        if version.measure is not None:
            initial["measure"] = version.measure.uuid
        return initial


class BrightSpotForm(EntryForm):
    kind = EntryKind.BRIGHT_SPOT
    body = _text(
        _("What went well?"),
        help_text=_("Something good, big or small, that you want everyone to see."),
        rows=4,
    )


class ChildVoiceForm(EntryForm):
    kind = EntryKind.CHILD_VOICE
    body = _text(_("What the child said"), rows=6)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["body"]
        if self.facts.family_role is Role.YOUTH:
            field.label = _("What do you want to say?")
            field.help_text = _(
                "This is your own voice in the log. Everyone in the log reads it, unless you "
                "keep it for your coordinator only."
            )
            if not self.editing:
                self.fields["coordinator_only"] = forms.BooleanField(
                    label=_("For my coordinator only"),
                    required=False,
                    help_text=_(
                        "Only you and your coordinator can read it: not your parents, and "
                        "not the others who take part. It still shows in the list of who "
                        "has read the log that your coordinator opened the log."
                    ),
                )
        else:
            field.label = _("What did the child say?")
            field.help_text = _(
                "Write the child's own words as far as you can. It is shown as what the child "
                "said, written down by you."
            )


class NoteForm(EntryForm):
    kind = EntryKind.NOTE
    body = _text(_("Note"), rows=5)


FORMS: dict[str, type[EntryForm]] = {
    form.kind: form
    for form in (
        UnderstandingForm,
        GoalForm,
        MeasureForm,
        MeetingForm,
        EvaluationForm,
        BrightSpotForm,
        ChildVoiceForm,
        NoteForm,
    )
}
