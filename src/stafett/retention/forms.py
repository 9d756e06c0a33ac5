from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stafett.organisation.forms import AccessibleForm
from stafett.retention.models import (
    ACCESS_LOG_MONTHS_MAX,
    ACCESS_LOG_MONTHS_MIN,
    CONCERN_MONTHS_MAX,
)
from stafett.retention.services import CLOSED_LOG_YEARS_MAX


class RetentionForm(AccessibleForm):
    closed_log_years = forms.IntegerField(
        label=_("Keep closed relay logs for (years)"),
        min_value=1,
        max_value=CLOSED_LOG_YEARS_MAX,
        help_text=_("Counted from the day the log was closed. A reopened log is never deleted."),
    )
    concern_months = forms.IntegerField(
        label=_("Keep concerns that led nowhere for (months)"),
        min_value=1,
        max_value=CONCERN_MONTHS_MAX,
        help_text=_(
            "Level-0 concerns closed without a relay log or a report to child welfare, "
            "counted from the decision to close."
        ),
    )
    access_log_months = forms.IntegerField(
        label=_("Keep the access log for (months)"),
        min_value=ACCESS_LOG_MONTHS_MIN,
        max_value=ACCESS_LOG_MONTHS_MAX,
        help_text=_(
            "Entries older than this are deleted every night, oldest first; a signed "
            "record of each deletion is kept."
        ),
    )
