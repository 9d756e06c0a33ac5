"""The municipal administrator's log-in page: providers, the password log-in switch,
national identity numbers of guardians and youth, and staff link requests."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stafett.organisation.models import Municipality
from stafett.policy import access_link_request, access_municipality, actor_for
from stafett.signin import selectors, services
from stafett.signin.forms import ApproveLinkForm, LocalLoginForm, NationalIdForm
from stafett.signin.models import LinkRequest


def _errors(form: Form, error: ValidationError) -> None:
    form.add_error(None, error)


def _page(
    request: HttpRequest,
    municipality: Municipality,
    *,
    local_form: LocalLoginForm | None = None,
    id_form: NationalIdForm | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = list(selectors.staff(municipality.pk))
    links = list(selectors.pending_links(municipality.pk))
    return render(
        request,
        "signin/manage.html",
        {
            "municipality": municipality,
            "providers": selectors.providers(municipality.pk),
            "local_form": local_form
            or LocalLoginForm(initial={"local_login_enabled": municipality.local_login_enabled}),
            "id_form": id_form
            or NationalIdForm(people=selectors.citizens(municipality.pk), prefix="id"),
            "links": [
                (link, ApproveLinkForm(staff=staff, prefix=str(link.uuid))) for link in links
            ],
            "answered": selectors.answered_links(municipality.pk),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "signin.manage")
    if request.method == "GET":
        return _page(request, municipality)
    actor = actor_for(request)
    if request.POST.get("form") == "local":
        local_form = LocalLoginForm(request.POST)
        if local_form.is_valid():
            services.set_local_login(
                actor=actor,
                municipality=municipality,
                enabled=local_form.cleaned_data["local_login_enabled"],
                request=request,
            )
            messages.success(request, _("The log-in setting is saved."))
            return redirect("signin:manage")
        return _page(request, municipality, local_form=local_form)
    id_form = NationalIdForm(request.POST, people=selectors.citizens(municipality.pk), prefix="id")
    if id_form.is_valid():
        try:
            services.register_national_id(
                actor=actor,
                user=id_form.cleaned_data["person"],
                number=id_form.cleaned_data["number"],
                request=request,
            )
        except ValidationError as error:
            _errors(id_form, error)
        else:
            messages.success(
                request,
                _("%(name)s can now log in with ID-porten.")
                % {"name": id_form.cleaned_data["person"].get_full_name()},
            )
            return redirect("signin:manage")
    return _page(request, municipality, id_form=id_form)


@require_POST
def link_decide(request: HttpRequest, link: uuid.UUID) -> HttpResponse:
    request_obj: LinkRequest = access_link_request(request, link, "signin.links")
    actor = actor_for(request)
    try:
        if request.POST.get("decision") == "refuse":
            services.refuse_link(actor=actor, link=request_obj, request=request)
            messages.success(request, _("The log-in is refused."))
        else:
            form = ApproveLinkForm(
                request.POST,
                staff=list(selectors.staff(request_obj.municipality_id)),
                prefix=str(request_obj.uuid),
            )
            if not form.is_valid():
                messages.error(request, _("Choose the staff account to link. Nothing was changed."))
                return redirect("signin:manage")
            services.approve_link(
                actor=actor, link=request_obj, user=form.cleaned_data["account"], request=request
            )
            messages.success(
                request,
                _("The log-in is linked to %(name)s.")
                % {"name": form.cleaned_data["account"].get_full_name()},
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("signin:manage")
