"""Forms for concerns. Forms check shape; the services check the rules again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.concerns.carry import REASON, CarryChoice, CarryItem
from stafett.concerns.models import Concern, Outcome, SentHow, Urgency
from stafett.concerns.worry import DEFAULT_BANDS, scale_for
from stafett.core.texts import CONTENT_LANGUAGES
from stafett.organisation.forms import AccessibleForm
from stafett.organisation.models import Unit
from stafett.people.models import Subject


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _long(label: Any, *, required: bool = True, help_text: Any = "", rows: int = 4) -> Any:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ScaleSelect(forms.Select):
    """A select whose options carry the `lang` of their anchor text (a band may be shown
    in the municipality's main language when the reader's has no text)."""

    languages: dict[int, str]

    def __init__(self, *args: Any, languages: dict[int, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.languages = languages or {}

    def create_option(self, name: Any, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        language = self.languages.get(value) if isinstance(value, int) else None
        if language:
            option["attrs"]["lang"] = language
        return option


def use_scale(field: forms.TypedChoiceField, municipality_id: int, empty: Any = None) -> None:
    """Give a score field the municipality's anchor texts; when some are shown in another
    language than the reader's, the help text says so."""
    scale = scale_for(municipality_id)
    field.choices = [*([("", empty)] if empty is not None else []), *scale.choices]
    field.widget = ScaleSelect(choices=field.choices, languages=scale.languages)
    if scale.note:
        field.help_text = f"{field.help_text} {scale.note}".strip()


def _score_field(municipality_id: int, *, required: bool) -> forms.TypedChoiceField:
    field = forms.TypedChoiceField(
        label=_("Worry"),
        help_text=_("1 is no worry, 10 is serious worry: act now."),
        required=required,
        coerce=int,
        empty_value=None,
        error_messages={"required": _("Choose a worry score from 1 to 10.")},
    )
    use_scale(field, municipality_id, None if required else _("Not scored now"))
    return field


class RegisterForm(AccessibleForm):
    unit = forms.ModelChoiceField(
        label=_("Your unit"),
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        empty_label=None,
    )
    kind = forms.ChoiceField(
        label=_("The concern is about"),
        choices=Concern.Kind.choices,
        widget=forms.RadioSelect,
        initial=Concern.Kind.CHILD,
    )
    label = forms.CharField(
        label=_("Who it is about, without a name"),
        help_text=_(
            "Initials or, for example, “a child in group Blue”. You can add the name later."
        ),
        max_length=120,
    )
    noticed = _long(
        _("What did you notice?"),
        help_text=_("Describe what you saw or heard, not what you think it means."),
        rows=5,
    )
    noticed_on = forms.DateField(label=_("When"), widget=DateInput())
    noticed_where = forms.CharField(label=_("Where"), max_length=200, required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], municipality_id: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units
        self.fields["score"] = _score_field(municipality_id, required=False)
        self.fields["noticed_on"].initial = timezone.localdate()


class ObservationForm(AccessibleForm):
    body = _long(
        _("What did you observe?"),
        help_text=_("When, where, what happened, who was there. Plain facts."),
        rows=6,
    )

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The worry score it leaves you with, saved with the observation (optional).
        self.fields["score"] = _score_field(municipality_id, required=False)


class ScoreForm(AccessibleForm):
    scored_on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Why this score (optional)"), max_length=300, required=False)

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"score": _score_field(municipality_id, required=True), **self.fields}
        self.fields["scored_on"].initial = timezone.localdate()


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class ShareForm(AccessibleForm):
    """One list: the unit's leader(s) or a role (a job title in a unit) as one choice,
    then each person with unit and role, grouped by unit, the concern's own unit first."""

    whom = forms.ChoiceField(
        label=_("Share with"),
        help_text=_("A role shares with everyone who holds it now."),
        error_messages={
            "invalid_choice": _("Choose a person in your municipality."),
            "required": _("Choose a person or a role."),
        },
    )

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["whom"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a person or a role")), *targets.choices]
        self.targets = targets
        if targets.leaders:
            field.initial = "leaders"


class ViewForm(AccessibleForm):
    body = _long(
        _("Your view"),
        help_text=_("What do you think? Have you seen the same? What should happen next?"),
    )


class NameForm(AccessibleForm):
    first_name = forms.CharField(label=_("First name"), max_length=120)
    last_name = forms.CharField(label=_("Last name"), max_length=120)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())


class FamilyTalkForm(AccessibleForm):
    told_who = forms.CharField(
        label=_("Who did you talk with?"),
        help_text=_("For example: mother and father, or the child with the mother."),
        max_length=200,
    )
    told_on = forms.DateField(label=_("When"), widget=DateInput())
    with_child = forms.BooleanField(label=_("The child took part"), required=False)
    said = _long(_("What did they say?"), rows=5)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["told_on"].initial = timezone.localdate()


class DecideForm(AccessibleForm):
    # Attaching to the child's existing log is its own page (`views.attach`).
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in Outcome.choices if c[0] != Outcome.ATTACH],
        widget=forms.RadioSelect,
    )
    reason = _long(_("Reason"), rows=4)
    observe_until = forms.DateField(
        label=_("New date for the decision (when you go on observing)"),
        required=False,
        widget=DateInput(),
    )
    level = forms.TypedChoiceField(
        label=_("Level (when you go on with a relay log)"),
        choices=[("", "–"), (1, "1"), (2, "2"), (3, "3")],
        coerce=int,
        empty_value=None,
        required=False,
    )

    carry = forms.MultipleChoiceField(
        label=_("What the family will read in the relay log"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        violence_path: bool = False,
        items: Sequence[CarryItem] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        carry = self.fields["carry"]
        assert isinstance(carry, forms.MultipleChoiceField)
        choices: list[tuple[str, Any]] = [(item.key, item.title) for item in items]
        carry.choices = [*choices, (REASON, _("The reason for this decision"))]
        self.items = list(items)
        if violence_path:
            del self.fields["carry"]
            # Guardians are not informed first: no relay log with them from here.
            outcome = self.fields["outcome"]
            assert isinstance(outcome, forms.ChoiceField)
            outcome.choices = [
                c for c in Outcome.choices if c[0] not in (Outcome.LEVEL, Outcome.ATTACH)
            ]
            outcome.help_text = _(
                "On the violence/abuse path the concern cannot go on to a relay log with the "
                "guardians."
            )
            outcome.error_messages["invalid_choice"] = _(
                "This concern took the violence/abuse path: it cannot go on to a relay log "
                "with the guardians. Report to child welfare."
            )
            del self.fields["level"]

    def chosen_keys(self) -> set[str]:
        """What is ticked: the person's choice once the form is sent, else the defaults."""
        if "carry" not in self.fields:
            return set()
        if self.is_bound:
            known = {key for key, _label in self.fields["carry"].choices}  # type: ignore[attr-defined]
            sent = self.data.getlist("carry") if hasattr(self.data, "getlist") else []
            return {str(key) for key in sent if key in known}
        return {item.key for item in self.items if item.by_default}

    def carry_choice(self) -> CarryChoice:
        return CarryChoice.from_keys(self.cleaned_data.get("carry") or ())


class AttachForm(DecideForm):
    """Attach the concern to the child's relay log: what the family will read (the same
    choice as at "decide") and, optionally, why."""

    def __init__(self, *args: Any, items: Sequence[CarryItem] = (), **kwargs: Any) -> None:
        super().__init__(*args, items=items, **kwargs)
        for name in ("outcome", "observe_until", "level"):
            del self.fields[name]
        reason = self.fields["reason"]
        reason.required = False
        reason.label = _("Why the concern goes on in this relay log (optional)")


class HelpRequestForm(AccessibleForm):
    DONT_KNOW = "dont-know"

    child = forms.ModelChoiceField(
        label=_("Your child"),
        queryset=Subject.objects.none(),
        to_field_name="uuid",
        empty_label=None,
    )
    unit = forms.ChoiceField(
        label=_("Who should help?"),
        help_text=_("The kindergarten, school or health station you know."),
    )
    worry = _long(
        _("What are you worried about?"),
        help_text=_("Write in your own words. The unit's leader reads it and contacts you."),
        rows=6,
    )

    def __init__(
        self,
        *args: Any,
        children: QuerySet[Subject],
        units: list[Unit],
        dont_know: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["child"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = children
        choices: list[tuple[str, str]] = [("", str(_("Choose")))]
        choices += [(str(u.uuid), u.name) for u in units]
        if dont_know:
            choices.append((self.DONT_KNOW, str(_("I don't know"))))
            self.fields["unit"].help_text = _(
                "The kindergarten, school or health station you know, or “I don't know”."
            )
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = choices
        self.units = {str(u.uuid): u for u in units}

    def chosen_unit(self) -> Unit | None:
        value = self.cleaned_data["unit"]
        return None if value == self.DONT_KNOW else self.units[value]


class WorryScaleForm(AccessibleForm):
    """The anchor text of each band in each of the municipality's languages (the bands
    are fixed). The municipality's main language is required; the others may wait."""

    def __init__(
        self,
        *args: Any,
        bands: list[Any],
        units: QuerySet[Unit],
        help_unit: Unit | None,
        main_language: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.band_limits = [(b.low, b.high) for b in bands] or [
            (low, high) for low, high, _texts in DEFAULT_BANDS
        ]
        self.main_language = main_language
        for band in bands:
            key = f"{band.low}_{band.high}"
            for code, name in CONTENT_LANGUAGES:
                self.fields[f"{code}_{key}"] = forms.CharField(
                    label=_("%(band)s in %(language)s") % {"band": band.label, "language": name},
                    max_length=300,
                    required=code == main_language,
                    initial=band.texts.get(code, ""),
                )
                self.fields[f"{code}_{key}"].widget.attrs["lang"] = code
        self.fields["help_unit"] = forms.ModelChoiceField(
            label=_("When a guardian does not know where to ask for help, send it to"),
            help_text=_(
                "Its leader receives the request as a concern. Without a unit here, guardians "
                "must choose a unit themselves."
            ),
            queryset=units,
            to_field_name="uuid",
            required=False,
            empty_label=_("No unit: guardians choose"),
            initial=help_unit.uuid if help_unit is not None else None,
        )

    def bands(self) -> list[tuple[int, int, dict[str, str]]]:
        data = self.cleaned_data
        return [
            (
                low,
                high,
                {code: data.get(f"{code}_{low}_{high}") or "" for code, _n in CONTENT_LANGUAGES},
            )
            for low, high in self.band_limits
        ]


class ReportForm(AccessibleForm):
    """The report to child welfare (bekymringsmelding): what child welfare needs."""

    addressee = forms.CharField(
        label=_("To (the child welfare office)"),
        help_text=_("The office the report is addressed to, as it will stand on the PDF."),
        max_length=200,
    )
    reporter_name = forms.CharField(label=_("Your name"), max_length=200)
    reporter_role = forms.CharField(
        label=_("Your role"),
        help_text=_("For example: kindergarten teacher."),
        max_length=200,
        required=False,
    )
    reporter_unit = forms.CharField(label=_("Your unit"), max_length=200)
    reporter_phone = forms.CharField(
        label=_("Your phone"),
        help_text=_("Child welfare will call you to ask more."),
        max_length=40,
        required=False,
    )
    child_name = forms.CharField(
        label=_("The child's full name"),
        help_text=_("Needed before the report can be marked as sent."),
        max_length=200,
        required=False,
    )
    child_birth_date = forms.DateField(
        label=_("The child's birth date (if known)"), required=False, widget=DateInput()
    )
    child_address = forms.CharField(
        label=_("The child's address (if known)"), max_length=300, required=False
    )
    guardians = _long(
        _("Guardians (if known)"),
        required=False,
        help_text=_("Names, and address or phone if you know them."),
        rows=3,
    )
    observed = _long(
        _("What you observed"),
        help_text=_(
            "Concrete and dated: what you saw and heard, when, where, the child's own words. "
            "Not conclusions."
        ),
        rows=8,
    )
    done = _long(
        _("What has been done"),
        required=False,
        help_text=_("Talks, measures, who else knows. Write “nothing yet” if so."),
        rows=4,
    )
    guardians_informed = forms.TypedChoiceField(
        label=_("Are the guardians informed about this report?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
    )
    not_informed_why = _long(
        _("If not: why not"),
        required=False,
        help_text=_(
            "For example: violence or sexual abuse is suspected, and telling the guardians "
            "could harm the child or the case."
        ),
        rows=3,
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how urgent it is.")},
    )

    copy = forms.MultipleChoiceField(
        label=_("The concern's dated observations"),
        help_text=_(
            "Tick the ones to copy into “What you observed”, with their dates, then press "
            "“Copy into the report”. Nothing is saved until you save the draft."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        initial: dict[str, Any] | None = None,
        observations: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ):
        initial = dict(initial or {})
        if "guardians_informed" in initial:
            initial["guardians_informed"] = "yes" if initial["guardians_informed"] else "no"
        super().__init__(*args, initial=initial, **kwargs)
        copy = self.fields["copy"]
        assert isinstance(copy, forms.MultipleChoiceField)
        copy.choices = [(key, text) for key, text in observations]
        if not observations:
            del self.fields["copy"]
        # The copy list goes beside "What you observed", not at the end of the form.
        order = list(self.fields)
        if "copy" in order:
            order.remove("copy")
            order.insert(order.index("observed") + 1, "copy")
            self.order_fields(order)


class SentForm(AccessibleForm):
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput())
    sent_how = forms.ChoiceField(
        label=_("How you sent it"),
        choices=[c for c in SentHow.choices if c[0] != SentHow.FIKS],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you sent the report.")},
    )
    sent_to = forms.CharField(
        label=_("Sent to"),
        help_text=_("For example: the child welfare service in the municipality."),
        max_length=200,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sent_on"].initial = timezone.localdate()
