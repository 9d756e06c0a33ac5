"""The municipal administrator's consent texts in more languages (issue 6): what consent
means, written for families who do not read Norwegian well. The interface itself stays
nynorsk, bokmål or English; the family picks one of these texts on the consent page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stafett.consent import selectors as consent_selectors
from stafett.consent import services as consent_services
from stafett.consent.forms import ConsentTextForm
from stafett.consent.models import TEXT_LANGUAGE_NAMES
from stafett.organisation.views import _service_errors
from stafett.policy import access_consent_text, access_municipality, actor_for

GET_POST = ["GET", "POST"]


@require_http_methods(GET_POST)
def consent_texts(request: HttpRequest) -> HttpResponse:
    """`organisation:consent_texts`: the texts there are, and a form to add one."""
    municipality = access_municipality(request, "municipality.manage")
    if request.method == "POST":
        form = ConsentTextForm(request.POST)
        if form.is_valid():
            try:
                text = consent_services.save_consent_text(
                    actor=actor_for(request), municipality=municipality, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The text in %(language)s is saved. Families can choose it now.")
                    % {"language": TEXT_LANGUAGE_NAMES[text.language]},
                )
                return redirect("organisation:consent_texts")
    else:
        form = ConsentTextForm()
    return render(
        request,
        "organisation/consent_texts.html",
        {
            "municipality": municipality,
            "texts": consent_selectors.consent_texts(municipality.id),
            "form": form,
        },
    )


@require_http_methods(GET_POST)
def consent_text_edit(request: HttpRequest, text: uuid.UUID) -> HttpResponse:
    """`organisation:consent_text_edit`: change the text in one language."""
    obj = access_consent_text(request, text, "consent_text.manage")
    if request.method == "POST":
        form = ConsentTextForm(request.POST)
        if form.is_valid():
            try:
                consent_services.save_consent_text(
                    actor=actor_for(request),
                    municipality=obj.municipality,
                    text=obj,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The change is saved."))
                return redirect("organisation:consent_texts")
    else:
        form = ConsentTextForm(
            initial={
                "language": obj.language,
                "information": obj.information,
                "consent_statement": obj.consent_statement,
                "withdraw_text": obj.withdraw_text,
                "consent_button": obj.consent_button,
                "renew_button": obj.renew_button,
                "withdraw_button": obj.withdraw_button,
            }
        )
    form.written_in(obj.language, obj.direction)
    return render(request, "organisation/consent_text_edit.html", {"text": obj, "form": form})


@require_POST
def consent_text_remove(request: HttpRequest, text: uuid.UUID) -> HttpResponse:
    """`organisation:consent_text_remove`: families no longer see the text."""
    obj = access_consent_text(request, text, "consent_text.manage")
    consent_services.remove_consent_text(actor=actor_for(request), text=obj)
    messages.success(
        request,
        _("The text in %(language)s is removed.") % {"language": obj.language_name},
    )
    return redirect("organisation:consent_texts")
