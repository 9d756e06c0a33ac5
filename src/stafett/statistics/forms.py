"""The statistics page's choices: period (whole months), unit, service kind, age group."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.organisation.models import Unit
from stafett.statistics.selectors import MAX_MONTHS, AgeGroup, Filters

MONTH = re.compile(r"^(\d{4})-(\d{2})$")

AGE_GROUP_CHOICES = [
    ("", _("All ages")),
    (AgeGroup.PRESCHOOL, _("0–5 years")),
    (AgeGroup.PRIMARY, _("6–12 years")),
    (AgeGroup.LOWER_SECONDARY, _("13–15 years")),
    (AgeGroup.YOUTH, _("16 years and older")),
    (AgeGroup.PREGNANT, _("Pregnant women")),
]


def month_start(value: str) -> datetime.date | None:
    match = MONTH.match(value.strip())
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        return None
    return datetime.date(year, month, 1)


def month_end(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def default_period(today: datetime.date) -> tuple[str, str]:
    """The last twelve months, this one included."""
    first = today.replace(day=1)
    year, month = first.year, first.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}", f"{first.year:04d}-{first.month:02d}"


class MonthInput(forms.TextInput):
    input_type = "month"


class StatisticsFilterForm(forms.Form):
    start = forms.CharField(
        label=_("From month"),
        widget=MonthInput(attrs={"placeholder": "2026-01"}),
        help_text=_("Year and month, for example 2026-01."),
    )
    end = forms.CharField(
        label=_("To month"),
        widget=MonthInput(attrs={"placeholder": "2026-12"}),
        help_text=_("Year and month, for example 2026-12."),
    )
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=str, empty_value="")
    service_kind = forms.TypedChoiceField(
        label=_("Service kind"), required=False, coerce=str, empty_value=""
    )
    age_group = forms.ChoiceField(label=_("Age group"), required=False, choices=AGE_GROUP_CHOICES)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.uuid): u for u in units}
        kinds = {str(u.service_kind.uuid): u.service_kind for u in units}
        self.kinds = kinds
        unit_field = self.fields["unit"]
        kind_field = self.fields["service_kind"]
        assert isinstance(unit_field, forms.ChoiceField)
        assert isinstance(kind_field, forms.ChoiceField)
        unit_field.choices = [("", _("All your units") if len(units) > 1 else _("Your unit"))] + [
            (key, u.name) for key, u in self.units.items()
        ]
        kind_field.choices = [
            ("", _("All service kinds")),
            *sorted(((key, k.name) for key, k in kinds.items()), key=lambda c: c[1]),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        start = month_start(str(data.get("start") or ""))
        end = month_start(str(data.get("end") or ""))
        if "start" in data and start is None:
            self.add_error("start", _("Write the month as year and month, for example 2026-01."))
        if "end" in data and end is None:
            self.add_error("end", _("Write the month as year and month, for example 2026-12."))
        if start is None or end is None:
            return data
        if start > end:
            self.add_error("end", _("The period must end after it starts."))
        elif end > today.replace(day=1):
            self.add_error("end", _("The period cannot end after this month."))
        elif (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
            self.add_error(
                "start",
                _("Choose at most %(months)s months.") % {"months": MAX_MONTHS},
            )
        data["start_date"], data["end_date"] = start, month_end(end)
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        unit = self.units.get(data.get("unit") or "")
        kind = self.kinds.get(data.get("service_kind") or "")
        return Filters(
            start=data["start_date"],
            end=data["end_date"],
            unit_id=unit.id if unit is not None else None,
            service_kind_id=kind.id if kind is not None else None,
            age_group=data.get("age_group") or None,
        )
