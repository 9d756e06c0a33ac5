from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stafett.api.models import ApiToken
from stafett.api.services import MAX_VALID_DAYS
from stafett.organisation.forms import AccessibleForm
from stafett.organisation.models import Unit


class TokenForm(AccessibleForm):
    name = forms.CharField(
        label=_("Name of the system"),
        max_length=120,
        help_text=_("For example: the school's administrative system."),
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=ApiToken.Scope.choices, widget=forms.RadioSelect
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The token acts as an employee of these units: it reads and writes only in the "
            "relay logs where a coordinator has added it, like anyone else."
        ),
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_VALID_DAYS, initial=90
    )

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = self.fields["units"]
        assert isinstance(units, forms.ModelMultipleChoiceField)
        units.queryset = Unit.objects.filter(
            municipality_id=municipality_id, is_active=True
        ).order_by("name")
