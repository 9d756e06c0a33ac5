"""Forms for the consent pages. They validate input; consent services make the changes."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.consent.models import Consent
from stafett.consent.services import MAX_SCAN_BYTES, SCAN_TYPES
from stafett.core.dates import add_months
from stafett.organisation.forms import AccessibleForm
from stafett.organisation.models import Unit

# The first bytes of the file kinds a scanned form may have: the browser's content type
# is only a claim, so the file itself must agree.
SCAN_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}

SCAN_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def default_purpose(child_name: str) -> str:
    return str(
        _(
            "So that the services named below can work together with you to help "
            "%(name)s, share what they know with each other, and write it down in "
            "a shared relay log that you can read."
        )
        % {"name": child_name}
    )


class ConsentRequestForm(AccessibleForm):
    purpose = forms.CharField(
        label=_("What the consent is for"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Plain words: the family reads this before they answer."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(
        label=_("Valid to"),
        widget=DateInput(),
        help_text=_("The consent must be renewed before this day."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Who may take part and share information"),
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one unit that may take part.")},
    )
    method = forms.ChoiceField(
        label=_("How is the consent given?"),
        choices=[
            (Consent.Method.DIGITAL, _("The family answers in Stafett")),
            (Consent.Method.PAPER, _("On a paper form the family has signed: I upload a scan")),
        ],
        widget=forms.RadioSelect,
        initial=Consent.Method.DIGITAL,
    )
    scanned_form = forms.FileField(
        label=_("Scanned, signed consent form"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB. Only for a paper consent."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    signed_by = forms.TypedMultipleChoiceField(
        label=_("Who signed the paper form?"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    # The consent the coordinator saw when the page was shown (empty: none). A double
    # submit, or someone else's change in between, is refused with a clear message.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        coordinator_unit: Unit,
        givers: list[tuple[Any, str, bool]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        units_field = self.fields["units"]
        assert isinstance(units_field, forms.ModelMultipleChoiceField)
        units_field.queryset = units
        self.coordinator_unit = coordinator_unit
        self.fields["signed_by"].choices = [  # type: ignore[attr-defined]
            (index, name) for index, (_user, name, _is_subject) in enumerate(givers)
        ]

    @classmethod
    def initial_for(
        cls, *, child_name: str, coordinator_unit: Unit, months: int, seen: str
    ) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "purpose": default_purpose(child_name),
            "valid_from": today,
            "valid_to": add_months(today, months),
            "units": [coordinator_unit.uuid],
            "method": Consent.Method.DIGITAL,
            "seen": seen,
        }

    def clean_units(self) -> Any:
        units = self.cleaned_data["units"]
        if self.coordinator_unit not in list(units):
            raise forms.ValidationError(
                _("%(unit)s, where the coordinator works, must be in the consent.")
                % {"unit": self.coordinator_unit.name}
            )
        return units

    def clean_valid_from(self) -> datetime.date:
        valid_from: datetime.date = self.cleaned_data["valid_from"]
        if valid_from > timezone.localdate():
            # A consent counts from the day it is registered: a later start would leave
            # the log without consent until then.
            raise forms.ValidationError(_("The consent must start today or earlier."))
        return valid_from

    def clean_scanned_form(self) -> UploadedFile | None:
        scan: UploadedFile | None = self.cleaned_data.get("scanned_form")
        if not scan:
            return None
        if scan.size is not None and scan.size > MAX_SCAN_BYTES:
            raise forms.ValidationError(_("The scanned form is larger than 10 MB."))
        content_type = getattr(scan, "content_type", "") or ""
        if content_type not in SCAN_TYPES:
            raise forms.ValidationError(_("The scanned form must be a PDF, JPEG or PNG file."))
        head = scan.read(16)
        scan.seek(0)
        if not head.startswith(SCAN_SIGNATURES[content_type]):
            raise forms.ValidationError(
                _("The file is not a readable PDF, JPEG or PNG file. Scan the form again.")
            )
        # The browser's file name may hold the child's name: store under a random one.
        scan.name = f"{uuid.uuid4().hex}{SCAN_EXTENSIONS[content_type]}"
        return scan

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        start, end = data.get("valid_from"), data.get("valid_to")
        if start is not None and end is not None and end < start:
            self.add_error("valid_to", _("The consent cannot end before it starts."))
        if data.get("method") == Consent.Method.PAPER:
            if not data.get("scanned_form") and "scanned_form" not in self.errors:
                self.add_error("scanned_form", _("Upload the scanned, signed consent form."))
            if not data.get("signed_by"):
                self.add_error("signed_by", _("Tick who signed the paper form."))
        return data


class ScopeAddForm(AccessibleForm):
    unit = forms.ModelChoiceField(
        label=_("Unit to add"),
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a unit"),
        error_messages={
            "required": _("Choose a unit to add."),
            "invalid_choice": _("Choose a unit in this municipality that is not in the consent."),
        },
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


class ScopeChangeForm(AccessibleForm):
    """The family asks to add a unit to their consent, or to take one out."""

    kind = forms.ChoiceField(
        label=_("What do you want?"),
        choices=[
            ("add", _("Let another service take part")),
            ("remove", _("Let a service no longer take part")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to add or take out a unit.")},
    )
    unit = forms.ModelChoiceField(
        label=_("Which service"),
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a service"),
        error_messages={
            "required": _("Choose a service."),
            "invalid_choice": _("Choose a service in this municipality."),
        },
    )
    message = forms.CharField(
        label=_("Message to the coordinator (if you want)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


class ScopeAnswerForm(AccessibleForm):
    answer = forms.CharField(
        label=_("Answer to the family"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when you say no: tell them why, in a few words."),
    )


class ConsentTextForm(AccessibleForm):
    language = forms.ChoiceField(label=_("Language"), choices=())
    information = forms.CharField(
        label=_("Information about the relay log and consent"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        help_text=_("What the relay log is, what consent means and the family's rights."),
    )
    consent_statement = forms.CharField(
        label=_("What the family agrees to"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Shown next to the button the family presses to consent."),
    )
    withdraw_text = forms.CharField(
        label=_("What happens when consent is withdrawn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_(
            "Shown on the withdraw page. Without it, the family is told that what happens "
            "is only written in the page's language."
        ),
    )
    consent_button = forms.CharField(
        label=_("The words on the consent button"),
        required=False,
        max_length=100,
        help_text=_(
            "For example the words for “Yes, I consent”. Left empty, the button says "
            "it in the page's language, with a note."
        ),
    )
    renew_button = forms.CharField(
        label=_("The words on the renew button"),
        required=False,
        max_length=100,
        help_text=_("For example the words for “Yes, renew my consent”."),
    )
    withdraw_button = forms.CharField(
        label=_("The words on the withdraw button"),
        required=False,
        max_length=100,
        help_text=_("For example the words for “Yes, withdraw my consent”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from stafett.consent.models import TEXT_LANGUAGES

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a language")),
            *((code, name) for code, name, _dir in TEXT_LANGUAGES),
        ]

    def written_in(self, language: str, direction: str) -> None:
        """The texts are written in `language`, not the page's: a screen reader reads them
        in it, and a right-to-left language is typed right to left."""
        for name in ("information", "consent_statement", "withdraw_text"):
            self.fields[name].widget.attrs.update(lang=language, dir=direction)
