"""Each person's home page: one section per role they hold."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from stafett.concerns import selectors as concern_selectors
from stafett.home.selectors import home_context
from stafett.policy import allowed, requires


@require_GET
@requires("home.view")
def home(request: HttpRequest) -> HttpResponse:
    context = home_context(request)
    # The way in to a new relay log, for those the start page lets in.
    context["can_start_log"] = allowed(request, "log.start")
    # Concerns (level 0): the way in, and those past their decision date.
    context["can_register_concern"] = allowed(request, "concern.register")
    context["can_ask_for_help"] = allowed(request, "help.request")
    if context["can_register_concern"]:
        context["concerns_overdue"] = concern_selectors.overdue_home(request)
    if context["can_ask_for_help"]:
        context["help_requests"] = concern_selectors.help_requests_of(request)
    return render(request, "home/home.html", context)
