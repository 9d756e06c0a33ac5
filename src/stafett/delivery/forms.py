from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stafett.delivery.models import FiksSettings, Transport
from stafett.organisation.forms import AccessibleForm


class FiksSettingsForm(AccessibleForm):
    municipality_number = forms.CharField(
        label=_("Municipality number"),
        max_length=4,
        required=False,
        help_text=_("Four digits, e.g. 4601. Fiks finds your child welfare offices by it."),
    )
    archive_transport = forms.ChoiceField(
        label=_("Hand-over to the archive"),
        choices=Transport.choices,
        widget=forms.RadioSelect,
    )
    drop_folder = forms.CharField(
        label=_("Folder for the archive"),
        max_length=60,
        required=False,
        help_text=_(
            "One folder name (letters, digits, - and _). The operator chooses where the "
            "folders are on the server."
        ),
    )
    archive_account = forms.UUIDField(
        label=_("Fiks account of the archive"),
        required=False,
        help_text=_("The Fiks IO account id your archive system receives on."),
    )
    reports_through_fiks = forms.BooleanField(
        label=_("Offer to send reports to child welfare through Fiks"), required=False
    )

    @staticmethod
    def initial_from(chosen: FiksSettings) -> dict[str, Any]:
        return {
            "municipality_number": chosen.municipality_number,
            "archive_transport": chosen.archive_transport,
            "drop_folder": chosen.drop_folder,
            "archive_account": chosen.archive_account,
            "reports_through_fiks": chosen.reports_through_fiks,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = (data.get("municipality_number") or "").strip()
        if number and not re.fullmatch(r"\d{4}", number):
            self.add_error("municipality_number", _("Write the four digits of the number."))
        data["municipality_number"] = number
        folder = (data.get("drop_folder") or "").strip()
        data["drop_folder"] = folder
        transport = data.get("archive_transport")
        if folder and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", folder):
            self.add_error(
                "drop_folder", _("Use letters, digits, - and _ only (one folder, no slashes).")
            )
        if transport == Transport.FOLDER and not folder:
            self.add_error("drop_folder", _("Write the folder the archive reads."))
        if transport == Transport.FIKS_ARKIV and not data.get("archive_account"):
            self.add_error("archive_account", _("Write the archive's Fiks account id."))
        if data.get("reports_through_fiks") and not number:
            self.add_error(
                "municipality_number", _("Fiks needs the municipality number to find the offices.")
            )
        return data


class OfficeForm(AccessibleForm):
    office = forms.ChoiceField(
        label=_("Child welfare office"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the child welfare office to send the report to.")},
    )

    def __init__(self, *args: Any, offices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["office"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = offices
