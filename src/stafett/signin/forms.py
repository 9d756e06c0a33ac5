"""Forms for the administrator's log-in page. They validate input; services change data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from stafett.accounts.models import User
from stafett.organisation.forms import AccessibleForm
from stafett.signin import pid


class _PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.pid_masked})" if obj.pid_masked else str(name)


class LocalLoginForm(AccessibleForm):
    local_login_enabled = forms.BooleanField(
        label=_("Everyone may log in with a password and a one-time code"),
        required=False,
        help_text=_(
            "Turn this off once ID-porten, Feide or Entra ID is in use. Break-glass "
            "accounts may still use a password."
        ),
    )


class NationalIdForm(AccessibleForm):
    person = _PersonChoice(
        label=_("Guardian or youth"),
        queryset=User.objects.none(),
        empty_label=_("Choose a person"),
        error_messages={"required": _("Choose the guardian or youth.")},
    )
    number = forms.CharField(
        label=_("National identity number (11 digits)"),
        max_length=20,
        error_messages={"required": _("Write the national identity number.")},
        help_text=_(
            "Stafett keeps only a protected fingerprint of the number and its first six "
            "digits, so the person can log in with ID-porten."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]

    def clean_number(self) -> str:
        return pid.validate(self.cleaned_data["number"])


class ApproveLinkForm(AccessibleForm):
    """One per waiting request on the page: the staff accounts are read once for all."""

    account = forms.TypedChoiceField(
        label=_("Staff account"),
        coerce=int,
        error_messages={"required": _("Choose the staff account to link.")},
    )

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {user.pk: user for user in staff}
        self.fields["account"].choices = [("", _("Choose the staff account"))] + [  # type: ignore[attr-defined]
            (user.pk, user.get_full_name() or user.username) for user in staff
        ]

    def clean_account(self) -> User:
        return self.staff[self.cleaned_data["account"]]
