"""`followup:overview`: the leader's and the administrator's follow-up list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from stafett.followup.selectors import follow_up
from stafett.policy import authorize


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    actor = authorize(request, "followup.view")
    return render(request, "followup/overview.html", {"followup": follow_up(request, actor)})
