"""The municipal administrator's page for integration tokens: list, create (the
secret is shown once, on the answer to the form, and never again) and revoke."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stafett.api import selectors, services
from stafett.api.forms import TokenForm
from stafett.organisation.views import _service_errors
from stafett.policy import access_api_token, access_municipality, actor_for


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "api_token.manage")
    created_key = ""
    created = None
    if request.method == "POST":
        form = TokenForm(request.POST, municipality_id=municipality.id)
        if form.is_valid():
            try:
                created, created_key = services.create_token(
                    actor=actor_for(request),
                    municipality=municipality,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    units=list(form.cleaned_data["units"]),
                    valid_days=form.cleaned_data["valid_days"],
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                form = TokenForm(municipality_id=municipality.id)
    else:
        form = TokenForm(municipality_id=municipality.id)
    response = render(
        request,
        "api/tokens.html",
        {
            "municipality": municipality,
            "tokens": selectors.tokens_of(municipality.id),
            "form": form,
            "created": created,
            "created_key": created_key,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def revoke(request: HttpRequest, api_token: uuid.UUID) -> HttpResponse:
    obj = access_api_token(request, api_token, "api_token.revoke")
    try:
        services.revoke_token(actor=actor_for(request), token=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The token %(name)s is revoked.") % {"name": obj.name})
    return redirect("api_tokens:list")
