"""The municipal administrator's list of failed log-ins on the municipality's accounts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from stafett.accounts import selectors
from stafett.policy import access_municipality, actor_for


@require_GET
def login_failures(request: HttpRequest) -> HttpResponse:
    access_municipality(request, "login.failures")
    return render(
        request,
        "accounts/login_failures.html",
        {
            "windows": selectors.login_failures(actor_for(request)),
            "days": selectors.FAILURES_SHOWN_DAYS,
        },
    )
