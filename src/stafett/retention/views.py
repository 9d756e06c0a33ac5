"""The administrator's retention page: the periods, and the tombstones (metadata only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stafett.organisation.views import _service_errors
from stafett.policy import access_municipality, actor_for
from stafett.retention import selectors, services
from stafett.retention.forms import RetentionForm


@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    """`retention:rules`: how long things are kept, and what has been deleted."""
    municipality = access_municipality(request, "municipality.manage")
    if request.method == "POST":
        form = RetentionForm(request.POST)
        if form.is_valid():
            try:
                services.save_rules(
                    actor=actor_for(request), municipality=municipality, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The retention periods are saved."))
                return redirect("retention:rules")
    else:
        periods = selectors.periods_for(municipality)
        form = RetentionForm(
            initial={
                "closed_log_years": municipality.retention_years,
                "concern_months": periods.concern_months,
                "access_log_months": periods.access_log_months,
            }
        )
    return render(
        request,
        "retention/rules.html",
        {
            "municipality": municipality,
            "form": form,
            "tombstones": selectors.tombstones_page(municipality.id, request.GET.get("page")),
        },
    )
