"""Forms for the organisation pages. They validate input; services make the changes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from stafett.accounts.models import User
from stafett.core.texts import CONTENT_LANGUAGES, LANGUAGE_CODES
from stafett.organisation.models import (
    EmergencyContact,
    Municipality,
    ServiceCategory,
    ServiceKind,
    Unit,
)


class AccessibleForm(forms.Form):
    """Links each field's error message to the field for screen readers.

    Django marks invalid fields with aria-invalid; this adds aria-describedby pointing
    at the error (rendered with id `<field id>_error` by organisation/_field.html;
    templates include organisation/_form.html rather than `{{ form }}`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                ids.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


def _strip_spaces(value: str) -> str:
    return " ".join(value.split())


class SettingsForm(AccessibleForm):
    language = forms.ChoiceField(
        label=_("Default language"),
        choices=Municipality.Language.choices,
        help_text=_("The language staff and families see until they choose another."),
    )
    consent_age = forms.TypedChoiceField(
        label=_("Consent age"),
        choices=[(15, "15"), (16, "16")],
        coerce=int,
        help_text=_("From this age the youth consents alone."),
    )
    consent_validity_months = forms.IntegerField(
        label=_("Consent is valid for (months)"),
        min_value=1,
        max_value=60,
        help_text=_("Used when a new consent is given. Between 1 and 60."),
    )
    retention_years = forms.IntegerField(
        label=_("Keep closed relay logs for (years)"),
        min_value=1,
        max_value=100,
    )
    all_guardians_must_consent = forms.BooleanField(
        label=_("All guardians with parental responsibility must consent"),
        required=False,
    )
    renew_consent_on_handover = forms.BooleanField(
        label=_("Ask the family to renew their consent when the coordinator changes"),
        required=False,
        help_text=_(
            "When a new coordinator accepts the baton, Stafett asks the family for a new "
            "consent with the same services and purpose. The consent they already gave "
            "still counts until they answer or it ends, so the help goes on meanwhile."
        ),
    )
    level0_deadline_days = forms.IntegerField(
        label=_("Days to decide a level-0 concern"),
        min_value=1,
        max_value=180,
    )

    @classmethod
    def initial_from(cls, municipality: Municipality) -> dict[str, Any]:
        return {name: getattr(municipality, name) for name in cls.base_fields}


class EmergencyContactForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    position = forms.IntegerField(
        label=_("Order in the list"),
        min_value=0,
        max_value=999,
        initial=0,
        help_text=_("Lower numbers come first."),
    )

    def __init__(self, *args: Any, main_language: str = "nn", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "When to call" in each of the municipality's languages, the main one first.
        codes = sorted(LANGUAGE_CODES, key=lambda code: code != main_language)
        names = dict(CONTENT_LANGUAGES)
        for code in codes:
            field = forms.CharField(
                label=_("When to call, in %(language)s") % {"language": names[code]},
                max_length=300,
                required=False,
                help_text=_("For example: “Outside office hours” or “If a child is in danger now”.")
                if code == main_language
                else _("Readers of this language see the main language until this is written."),
            )
            field.widget.attrs["lang"] = code
            self.fields[f"description_{code}"] = field
        self.order_fields(["name", "phone", *[f"description_{code}" for code in codes]])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["descriptions"] = {
            code: data.pop(f"description_{code}", "") or "" for code in LANGUAGE_CODES
        }
        return data

    @classmethod
    def initial_from(cls, contact: EmergencyContact) -> dict[str, Any]:
        texts = contact.descriptions or {}
        return {
            "name": contact.name,
            "phone": contact.phone,
            "position": contact.position,
            **{f"description_{code}": texts.get(code, "") for code in LANGUAGE_CODES},
        }


class ServiceKindForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=ServiceCategory.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Basis services meet every child (health station, kindergarten, school); "
            "help services add measures; adult services help the grown-ups."
        ),
    )

    def clean_name(self) -> str:
        return _strip_spaces(self.cleaned_data["name"])


class ServiceKindEditForm(ServiceKindForm):
    is_active = forms.BooleanField(
        label=_("In use"),
        required=False,
        help_text=_("A service no longer in use cannot be chosen for new units."),
    )

    @classmethod
    def initial_from(cls, kind: ServiceKind) -> dict[str, Any]:
        return {"name": kind.name, "category": kind.category, "is_active": kind.is_active}


class ServiceKindChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_category_display()})"


class UnitForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=160)
    service_kind = ServiceKindChoiceField(
        label=_("Service"),
        queryset=ServiceKind.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a service"),
        error_messages={"invalid_choice": _("Choose one of the municipality's services.")},
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("People in an inactive unit lose their roles there until it is active again."),
    )

    def __init__(self, *args: Any, service_kinds: QuerySet[ServiceKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service_kind"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = service_kinds

    def clean_name(self) -> str:
        return _strip_spaces(self.cleaned_data["name"])

    @classmethod
    def initial_from(cls, unit: Unit) -> dict[str, Any]:
        return {
            "name": unit.name,
            "service_kind": unit.service_kind.uuid,
            "email": unit.email,
            "phone": unit.phone,
            "is_active": unit.is_active,
        }


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.email})" if obj.email else name


class ExistingStaffForm(AccessibleForm):
    """Choose someone who already works in the municipality."""

    prefix = "existing"

    person = StaffChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a person"),
        error_messages={
            "invalid_choice": _(
                "Choose a person from the list: only staff of this municipality can be added."
            )
        },
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = staff


class ExistingEmployeeForm(ExistingStaffForm):
    title = forms.CharField(
        label=_("Job title"),
        max_length=120,
        required=False,
        help_text=_("For example: pedagogical leader, teacher, public health nurse."),
    )


class NewStaffForm(AccessibleForm):
    """A new staff user, who gets an invitation by e-mail."""

    prefix = "new"

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(
        label=_("Work e-mail"),
        help_text=_("The invitation is sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and . @ + - _ only; used to log in."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_first_name(self) -> str:
        return _strip_spaces(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return _strip_spaces(self.cleaned_data["last_name"])


class NewEmployeeForm(NewStaffForm):
    title = forms.CharField(label=_("Job title"), max_length=120, required=False)
