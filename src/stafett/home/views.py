"""Each person's home page: one section per role they hold."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from stafett.home.selectors import home_context
from stafett.policy import requires


@require_GET
@requires("home.view")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home/home.html", home_context(request))
