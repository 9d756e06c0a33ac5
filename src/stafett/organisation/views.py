"""Pages where the municipal administrator sets up the municipality and unit leaders
manage their staff. Views are thin: the policy fetches, forms validate, services write."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stafett.audit.log import record_accesses
from stafett.organisation import selectors, services
from stafett.organisation.forms import (
    EmergencyContactForm,
    ExistingEmployeeForm,
    ExistingStaffForm,
    NewEmployeeForm,
    NewStaffForm,
    ServiceKindEditForm,
    ServiceKindForm,
    SettingsForm,
    UnitForm,
)
from stafett.organisation.models import Membership, Unit
from stafett.policy import (
    Role,
    access_emergency_contact,
    access_municipality,
    access_service_kind,
    access_unit,
    actor_for,
)

GET_POST = ["GET", "POST"]


def _service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's refusal on the form (on the field it names, if the form has it)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# ---------------------------------------------------------------------------
# Municipal administrator: overview and settings
# ---------------------------------------------------------------------------


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "municipality.manage")
    return render(
        request,
        "organisation/overview.html",
        {
            "municipality": municipality,
            "units": selectors.units_for_overview(municipality.id),
            "service_kinds": selectors.service_kinds(municipality.id),
            "contacts": selectors.emergency_contacts(municipality.id),
        },
    )


@require_http_methods(GET_POST)
def settings_view(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "municipality.manage")
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.update_municipality_settings(
                    actor=actor_for(request), municipality=municipality, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The settings are saved."))
                return redirect("organisation:overview")
    else:
        form = SettingsForm(initial=SettingsForm.initial_from(municipality))
    return render(
        request, "organisation/settings.html", {"municipality": municipality, "form": form}
    )


# ---------------------------------------------------------------------------
# Emergency contacts
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def contacts(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "municipality.manage")
    if request.method == "POST":
        form = EmergencyContactForm(request.POST, main_language=municipality.language)
        if form.is_valid():
            try:
                contact = services.create_emergency_contact(
                    actor=actor_for(request), municipality=municipality, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s is added to the contacts.") % {"name": contact.name}
                )
                return redirect("organisation:contacts")
    else:
        form = EmergencyContactForm(main_language=municipality.language)
    return render(
        request,
        "organisation/contacts.html",
        {
            "municipality": municipality,
            "contacts": selectors.emergency_contacts(municipality.id),
            "form": form,
        },
    )


@require_http_methods(GET_POST)
def contact_edit(request: HttpRequest, contact: uuid.UUID) -> HttpResponse:
    obj = access_emergency_contact(request, contact, "emergency_contact.manage")
    if request.method == "POST":
        form = EmergencyContactForm(request.POST, main_language=obj.municipality.language)
        if form.is_valid():
            try:
                services.update_emergency_contact(
                    actor=actor_for(request), contact=obj, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The contact is saved."))
                return redirect("organisation:contacts")
    else:
        form = EmergencyContactForm(
            initial=EmergencyContactForm.initial_from(obj), main_language=obj.municipality.language
        )
    return render(request, "organisation/contact_edit.html", {"contact": obj, "form": form})


@require_http_methods(GET_POST)
def contact_remove(request: HttpRequest, contact: uuid.UUID) -> HttpResponse:
    obj = access_emergency_contact(request, contact, "emergency_contact.manage")
    if request.method == "POST":
        services.remove_emergency_contact(actor=actor_for(request), contact=obj)
        messages.success(request, _("%(name)s is removed from the contacts.") % {"name": obj.name})
        return redirect("organisation:contacts")
    return render(request, "organisation/contact_remove.html", {"contact": obj})


# ---------------------------------------------------------------------------
# Service kinds
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def service_kinds(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "municipality.manage")
    if request.method == "POST":
        form = ServiceKindForm(request.POST)
        if form.is_valid():
            try:
                kind = services.create_service_kind(
                    actor=actor_for(request), municipality=municipality, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The service %(name)s is added.") % {"name": kind.name})
                return redirect("organisation:service_kinds")
    else:
        form = ServiceKindForm()
    return render(
        request,
        "organisation/service_kinds.html",
        {
            "municipality": municipality,
            "service_kinds": selectors.service_kinds(municipality.id),
            "form": form,
        },
    )


@require_http_methods(GET_POST)
def service_kind_edit(request: HttpRequest, kind: uuid.UUID) -> HttpResponse:
    obj = access_service_kind(request, kind, "service_kind.manage")
    if request.method == "POST":
        form = ServiceKindEditForm(request.POST)
        if form.is_valid():
            try:
                services.update_service_kind(
                    actor=actor_for(request), kind=obj, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The service is saved."))
                return redirect("organisation:service_kinds")
    else:
        form = ServiceKindEditForm(initial=ServiceKindEditForm.initial_from(obj))
    return render(request, "organisation/service_kind_edit.html", {"kind": obj, "form": form})


# ---------------------------------------------------------------------------
# Units and their leaders
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def unit_create(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "municipality.manage")
    kinds = selectors.service_kinds_for_choice(municipality.id)
    if request.method == "POST":
        form = UnitForm(request.POST, service_kinds=kinds)
        if form.is_valid():
            try:
                unit = services.create_unit(
                    actor=actor_for(request), municipality=municipality, **form.cleaned_data
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is created. Now add the unit's leader.") % {"name": unit.name},
                )
                return redirect("organisation:unit_edit", unit=unit.uuid)
    else:
        form = UnitForm(service_kinds=kinds)
    return render(
        request,
        "organisation/unit_create.html",
        {"municipality": municipality, "form": form, "has_kinds": kinds.exists()},
    )


def _unit_edit_page(request: HttpRequest, unit: Unit, **forms: Any) -> HttpResponse:
    staff = selectors.staff_choices(unit.municipality_id, unit=unit, role=Membership.Role.LEADER)
    context: dict[str, Any] = {
        "unit": unit,
        "form": forms.get("form")
        or UnitForm(
            initial=UnitForm.initial_from(unit),
            service_kinds=selectors.service_kinds_for_choice(
                unit.municipality_id, include=unit.service_kind
            ),
        ),
        "leaders": selectors.unit_memberships(unit, Membership.Role.LEADER),
        "existing_form": forms.get("existing_form") or ExistingStaffForm(staff=staff),
        "new_form": forms.get("new_form") or NewStaffForm(),
    }
    return render(request, "organisation/unit_edit.html", context)


@require_http_methods(GET_POST)
def unit_edit(request: HttpRequest, unit: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage")
    if request.method != "POST":
        return _unit_edit_page(request, obj)
    form = UnitForm(
        request.POST,
        service_kinds=selectors.service_kinds_for_choice(
            obj.municipality_id, include=obj.service_kind
        ),
    )
    if form.is_valid():
        try:
            services.update_unit(actor=actor_for(request), unit=obj, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The unit is saved."))
            return redirect("organisation:unit_edit", unit=obj.uuid)
    # Show the form as the person left it, on the unit as it is in the database.
    return _unit_edit_page(request, access_unit(request, unit, "unit.manage"), form=form)


@require_POST
def leader_add(request: HttpRequest, unit: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage_leaders")
    staff = selectors.staff_choices(obj.municipality_id, unit=obj, role=Membership.Role.LEADER)
    form = ExistingStaffForm(request.POST, staff=staff)
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            _membership, created = services.add_member(
                actor=actor_for(request),
                unit=obj,
                person=person,
                role=Membership.Role.LEADER,
                request=request,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            name = person.get_full_name() or person.username
            if created:
                messages.success(request, _("%(name)s now leads the unit.") % {"name": name})
            else:
                messages.info(request, _("%(name)s already leads the unit.") % {"name": name})
            return redirect("organisation:unit_edit", unit=obj.uuid)
    return _unit_edit_page(request, obj, existing_form=form)


@require_POST
def leader_new(request: HttpRequest, unit: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage_leaders")
    form = NewStaffForm(request.POST)
    if form.is_valid():
        try:
            membership = services.create_staff_member(
                actor=actor_for(request),
                unit=obj,
                role=Membership.Role.LEADER,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s now leads the unit and has been sent an invitation to %(email)s.")
                % {"name": membership.user.get_full_name(), "email": membership.user.email},
            )
            return redirect("organisation:unit_edit", unit=obj.uuid)
    return _unit_edit_page(request, obj, new_form=form)


@require_http_methods(GET_POST)
def leader_remove(request: HttpRequest, unit: uuid.UUID, person: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage_leaders")
    return _remove_member(
        request,
        obj,
        person,
        role=Membership.Role.LEADER,
        back="organisation:unit_edit",
        template="organisation/leader_remove.html",
    )


def _remove_member(
    request: HttpRequest,
    unit: Unit,
    person: uuid.UUID,
    *,
    role: str,
    back: str,
    template: str,
) -> HttpResponse:
    membership = selectors.current_membership(unit, person=person, role=role)
    error = ""
    if request.method == "POST":
        if membership is None:
            # Already removed (a second click, or someone else did it): nothing to do.
            messages.info(
                request,
                _(
                    "That person no longer has this role in the unit, "
                    "so there was nothing to remove."
                ),
            )
            return redirect(back, unit=unit.uuid)
        try:
            services.end_membership(
                actor=actor_for(request),
                unit=unit,
                person=membership.user,
                role=role,
                take_batons=request.POST.get("batons") == "take",
                request=request,
            )
        except services.BatonsHeld as refused:
            error = " ".join(refused.messages)
        else:
            name = membership.user.get_full_name() or membership.user.username
            if role == Membership.Role.LEADER:
                text = _("%(name)s no longer leads %(unit)s.")
            else:
                text = _("%(name)s no longer works in %(unit)s.")
            messages.success(request, text % {"name": name, "unit": unit.name})
            return redirect(back, unit=unit.uuid)
    if membership is None:
        raise Http404
    actor = actor_for(request)
    batons = selectors.Batons()
    if not selectors.stays_in_unit(unit, membership.user, ending=membership):
        batons = selectors.batons_in_unit(unit, membership.user)
    # The leader sees the batons by name (metadata, as on their home page, and written to
    # the access log); the administrator, who reads no logs, sees only how many.
    leads = unit.id in actor.leader_unit_ids
    context = {
        "unit": unit,
        "membership": membership,
        "batons": batons,
        "leads": leads,
        "error": error,
    }
    with transaction.atomic():
        if leads and batons.logs:
            record_accesses(
                actor=actor.user,
                action="log.view_summary",
                objects=[log.subject for log in batons.logs],
                role_for=lambda subject: Role.UNIT_LEADER.value,
                reason="removing a member of the unit",
                request=request,
            )
        return render(request, template, context)


# ---------------------------------------------------------------------------
# Unit leader: the unit's employees
# ---------------------------------------------------------------------------


def _staff_page(request: HttpRequest, unit: Unit, **forms: Any) -> HttpResponse:
    staff = selectors.staff_choices(unit.municipality_id, unit=unit, role=Membership.Role.EMPLOYEE)
    context: dict[str, Any] = {
        "unit": unit,
        "employees": selectors.unit_memberships(unit, Membership.Role.EMPLOYEE),
        "leaders": selectors.unit_memberships(unit, Membership.Role.LEADER),
        "existing_form": forms.get("existing_form") or ExistingEmployeeForm(staff=staff),
        "new_form": forms.get("new_form") or NewEmployeeForm(),
    }
    return render(request, "organisation/unit_staff.html", context)


@require_http_methods(["GET"])
def unit_staff(request: HttpRequest, unit: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage_employees")
    return _staff_page(request, obj)


@require_POST
def employee_add(request: HttpRequest, unit: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage_employees")
    staff = selectors.staff_choices(obj.municipality_id, unit=obj, role=Membership.Role.EMPLOYEE)
    form = ExistingEmployeeForm(request.POST, staff=staff)
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            _membership, created = services.add_member(
                actor=actor_for(request),
                unit=obj,
                person=person,
                role=Membership.Role.EMPLOYEE,
                title=form.cleaned_data["title"],
                request=request,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            name = person.get_full_name() or person.username
            if created:
                messages.success(request, _("%(name)s now works in the unit.") % {"name": name})
            else:
                messages.info(request, _("%(name)s already works in the unit.") % {"name": name})
            return redirect("organisation:unit_staff", unit=obj.uuid)
    return _staff_page(request, obj, existing_form=form)


@require_POST
def employee_new(request: HttpRequest, unit: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage_employees")
    form = NewEmployeeForm(request.POST)
    if form.is_valid():
        try:
            membership = services.create_staff_member(
                actor=actor_for(request),
                unit=obj,
                role=Membership.Role.EMPLOYEE,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s now works in the unit and has been sent an invitation to %(email)s.")
                % {"name": membership.user.get_full_name(), "email": membership.user.email},
            )
            return redirect("organisation:unit_staff", unit=obj.uuid)
    return _staff_page(request, obj, new_form=form)


@require_http_methods(GET_POST)
def employee_remove(request: HttpRequest, unit: uuid.UUID, person: uuid.UUID) -> HttpResponse:
    obj = access_unit(request, unit, "unit.manage_employees")
    return _remove_member(
        request,
        obj,
        person,
        role=Membership.Role.EMPLOYEE,
        back="organisation:unit_staff",
        template="organisation/employee_remove.html",
    )
