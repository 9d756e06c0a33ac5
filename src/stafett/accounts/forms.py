"""Log-in forms: username and password, one-time code, new password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

LOGIN_ERROR_ID = "login-error"


class PlainForm(forms.Form):
    """Labels without a trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(PlainForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def mark_failed(self) -> None:
        """Tie the one generic error message to both fields for screen readers."""
        for name in ("username", "password"):
            attrs = self.fields[name].widget.attrs
            attrs["aria-describedby"] = LOGIN_ERROR_ID
            attrs["aria-invalid"] = "true"
            attrs.pop("autofocus", None)
        self.fields["password"].widget.attrs["autofocus"] = True


class CodeField(forms.CharField):
    """Six digits; spaces are ignored, since people often type "123 456"."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return "".join(str(text).split())


class CodeForm(PlainForm):
    code = CodeField(
        label=_("One-time code"),
        help_text=_("The 6 digits your authenticator app shows now."),
        validators=[RegexValidator(r"^[0-9]{6}$", _("Type the 6 digits of the code."))],
        error_messages={"required": _("Type the 6-digit code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )


class NewPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's set-password form with plain labels and the right autocomplete hints."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("The same password again")
        self.fields["new_password1"].help_text = _(
            "At least 12 characters. Not a common password, not only digits, and not "
            "like your name or username. A few unrelated words make a good password."
        )
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"
