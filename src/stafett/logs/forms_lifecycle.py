"""Forms for starting a log, its participants, handovers and decisions. They validate
input; the services in logs/services.py make the changes and check the rules again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.accounts.models import User
from stafett.consent.forms import DateInput
from stafett.logs.models import CloseReason, Level, RelayLog, Step
from stafett.logs.services import MeasureChoice
from stafett.organisation.forms import AccessibleForm
from stafett.organisation.models import Unit
from stafett.people.models import Subject


def _person_label(user: User) -> str:
    return user.get_full_name() or user.username


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _person_label(obj)


class StartLogForm(AccessibleForm):
    unit = forms.ModelChoiceField(
        label=_("Your unit"),
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=_("The log starts here, and you become its coordinator."),
        error_messages={"invalid_choice": _("Choose a unit you work in.")},
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=Level.choices, coerce=int, widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(
        label=_("The log is for"),
        choices=Subject.Kind.choices,
        initial=Subject.Kind.CHILD,
        widget=forms.RadioSelect,
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    # Set by the second button, after no one with these details was found.
    register = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units
        if units.count() == 1:
            field.initial = units.first().uuid  # type: ignore[union-attr]

    def clean_birth_date(self) -> datetime.date:
        birth_date: datetime.date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if birth_date > today:
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        if birth_date < today.replace(year=today.year - 60):
            raise forms.ValidationError(_("Check the birth date."))
        return birth_date


class ChooseUnitForm(AccessibleForm):
    """The first step of adding a participant or proposing a handover (a GET form)."""

    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a unit"),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


class _UnitPersonForm(AccessibleForm):
    """A unit of the municipality and a person who works there now. Unit choices are
    the whole municipality, so that the service can say clearly why a unit is refused."""

    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a unit first."),
            "invalid_choice": _("Choose a unit in this municipality."),
        },
    )
    person = PersonChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a person"),
        error_messages={
            "required": _("Choose a person."),
            "invalid_choice": _("Choose a person who works in the chosen unit."),
        },
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        people_for: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        unit = self._chosen_unit(units)
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ModelChoiceField)
        person_field.queryset = people_for(unit) if unit is not None else User.objects.none()
        self.unit_obj = unit

    def _chosen_unit(self, units: QuerySet[Unit]) -> Unit | None:
        raw = self.data.get("unit") if self.is_bound else self.initial.get("unit")
        if not raw:
            return None
        try:
            return units.filter(uuid=raw).first()
        except (ValueError, ValidationError):  # a malformed uuid
            return None


class ParticipantAddForm(_UnitPersonForm):
    task = forms.CharField(
        label=_("Task in the collaboration"),
        max_length=300,
        help_text=_("For example: “Class teacher, follows up at school”."),
    )
    can_write = forms.TypedChoiceField(
        label=_("Rights in the log"),
        choices=[("1", _("Read and write")), ("0", _("Read only"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )


class ParticipantRemoveForm(AccessibleForm):
    message = forms.CharField(
        label=_("A short message to them"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "It is sent to them by e-mail, so write nothing about the child or the family. "
            "For example: “Thank you for your help. The school follows up from now.”"
        ),
    )


class _HandoverProposeBase(_UnitPersonForm):
    person = PersonChoiceField(
        label=_("New coordinator"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a person"),
        error_messages={
            "required": _("Choose the new coordinator."),
            "invalid_choice": _(
                "Choose a person who works in the chosen unit, in this municipality."
            ),
        },
    )
    message = forms.CharField(
        label=_("Message to the new coordinator"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why you ask them, and what they should know first."),
    )


NEW_COORDINATOR = "new"
KEEP = "keep"


class HandoverProposeForm(_HandoverProposeBase):
    """The new coordinator and the message; whether the coordinator stays on as a
    participant (only when the family's consent covers their unit); and, for each measure
    they are responsible for, who takes it (shown only to someone who reads the log)."""

    stays = forms.BooleanField(label=_("I stay on in the log as a participant"), required=False)
    stay_task = forms.CharField(
        label=_("My task when I stay on"),
        max_length=300,
        required=False,
        help_text=_("For example: “Follows up at the kindergarten until the summer”."),
    )

    def __init__(
        self,
        *args: Any,
        stay_offered: bool,
        measures: list[Any],
        targets: list[Any],
        coordinator: User,
        proposer_is_coordinator: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.measures = measures
        if not stay_offered:
            del self.fields["stays"]
            del self.fields["stay_task"]
        elif not proposer_is_coordinator:
            name = _person_label(coordinator)
            self.fields["stays"].label = _("%(person)s stays on in the log as a participant") % {
                "person": name
            }
            self.fields["stay_task"].label = _("Their task when they stay on")
        choices: list[tuple[str, Any]] = [(NEW_COORDINATOR, _("The new coordinator"))]
        if stay_offered:
            keep = (
                _("I keep it (only if I stay on)")
                if proposer_is_coordinator
                else _("%(person)s keeps it (only if they stay on)")
                % {"person": _person_label(coordinator)}
            )
            choices.append((KEEP, keep))
        self.targets = {str(p.user.uuid): p.user for p in targets}
        choices += [(str(p.user.uuid), f"{_person_label(p.user)} ({p.unit.name})") for p in targets]
        self.measure_fields: list[tuple[Any, str, str]] = []
        for entry in measures:
            name = f"measure_{entry.uuid}"
            self.fields[name] = forms.ChoiceField(
                label=entry.latest.title,
                choices=choices,
                initial=NEW_COORDINATOR,
                error_messages={
                    "required": _("Choose who takes the measure."),
                    "invalid_choice": _(
                        "Choose the new coordinator or someone who takes part in this log."
                    ),
                },
            )
            version = f"version_{entry.uuid}"
            self.fields[version] = forms.IntegerField(
                widget=forms.HiddenInput, initial=entry.version_count, min_value=1
            )
            self.measure_fields.append((entry, name, version))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        data.setdefault("stays", False)
        data.setdefault("stay_task", "")
        if data["stays"] and not (data.get("stay_task") or "").strip():
            self.add_error("stay_task", _("Write the task they have when they stay on."))
        choices = []
        for entry, name, version in self.measure_fields:
            value, base = data.get(name), data.get(version)
            if value is None or base is None:
                continue
            if value == KEEP:
                if not data["stays"]:
                    self.add_error(
                        name, _("A measure can be kept only by a coordinator who stays on.")
                    )
                target = entry.latest.responsible
            elif value == NEW_COORDINATOR:
                target = None
            else:
                target = self.targets[value]
            choices.append(MeasureChoice(measure=entry.uuid, base_version=base, to_user=target))
        data["measure_choices"] = choices
        return data

    def visible_fields_but_measures(self) -> list[Any]:
        names = {n for _e, n, _v in self.measure_fields} | {v for _e, _n, v in self.measure_fields}
        # Hidden fields (the unit, the versions) are rendered apart, without a label.
        return [field for field in self.visible_fields() if field.name not in names]

    def measure_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(entry, self[name], self[version]) for entry, name, version in self.measure_fields]


class HandoverAnswerForm(AccessibleForm):
    message = forms.CharField(
        label=_("Message (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class _RevisionForm(AccessibleForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, log: RelayLog, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("revision", log.revision)
        super().__init__(*args, **kwargs)


class MoveForm(_RevisionForm):
    to_level = forms.TypedChoiceField(
        label=_("Level"), choices=Level.choices, coerce=int, widget=forms.RadioSelect
    )
    to_step = forms.ChoiceField(label=_("Step"), choices=Step.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for the decision"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, log: RelayLog, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("to_level", log.level)
        initial.setdefault("to_step", log.step)
        super().__init__(*args, log=log, **kwargs)


class CloseForm(_RevisionForm):
    close_reason = forms.ChoiceField(
        label=_("Why does the log close?"), choices=CloseReason.choices, widget=forms.RadioSelect
    )
    continues_in = forms.CharField(
        label=_("Where the work continues"),
        max_length=300,
        required=False,
        help_text=_("Required for an individual plan: who holds it, and where."),
    )
    reason = forms.CharField(
        label=_("What happened, in a few words"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, family: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if family:
            # The family ends the collaboration in their own words; where the work goes on
            # (an individual plan) is for the staff to record.
            field = self.fields["close_reason"]
            assert isinstance(field, forms.ChoiceField)
            field.label = _("Why do you want to end it?")
            field.choices = [
                (CloseReason.GOALS_MET, _("It is going well: we no longer need this help")),
                (CloseReason.MOVED_AWAY, _("We are moving away")),
                (CloseReason.FAMILY_ENDED, _("We do not want to go on with it")),
            ]
            del self.fields["continues_in"]
            self.fields["reason"].label = _("Tell the coordinator why, in a few words")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        data.setdefault("continues_in", "")
        if (
            data.get("close_reason") == CloseReason.INDIVIDUAL_PLAN
            and not (data.get("continues_in") or "").strip()
        ):
            self.add_error("continues_in", _("Say where the work continues (the individual plan)."))
        return data


class ReopenForm(_RevisionForm):
    reason = forms.CharField(
        label=_("Why is the log reopened?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
