from django.urls import path

from stafett.organisation import views, views_texts

app_name = "organisation"

urlpatterns = [
    # The municipal administrator.
    path("municipality/", views.overview, name="overview"),
    path("municipality/settings/", views.settings_view, name="settings"),
    path("municipality/contacts/", views.contacts, name="contacts"),
    path("municipality/contacts/<uuid:contact>/", views.contact_edit, name="contact_edit"),
    path(
        "municipality/contacts/<uuid:contact>/remove/",
        views.contact_remove,
        name="contact_remove",
    ),
    path("municipality/services/", views.service_kinds, name="service_kinds"),
    path("municipality/services/<uuid:kind>/", views.service_kind_edit, name="service_kind_edit"),
    path("municipality/units/new/", views.unit_create, name="unit_create"),
    path("municipality/units/<uuid:unit>/", views.unit_edit, name="unit_edit"),
    path("municipality/units/<uuid:unit>/leaders/add/", views.leader_add, name="leader_add"),
    path("municipality/units/<uuid:unit>/leaders/new/", views.leader_new, name="leader_new"),
    path(
        "municipality/units/<uuid:unit>/leaders/<uuid:person>/remove/",
        views.leader_remove,
        name="leader_remove",
    ),
    # Consent texts in more languages (issue 6).
    path("municipality/consent-texts/", views_texts.consent_texts, name="consent_texts"),
    path(
        "municipality/consent-texts/<uuid:text>/",
        views_texts.consent_text_edit,
        name="consent_text_edit",
    ),
    path(
        "municipality/consent-texts/<uuid:text>/remove/",
        views_texts.consent_text_remove,
        name="consent_text_remove",
    ),
    # The unit leader.
    path("units/<uuid:unit>/staff/", views.unit_staff, name="unit_staff"),
    path("units/<uuid:unit>/staff/add/", views.employee_add, name="employee_add"),
    path("units/<uuid:unit>/staff/new/", views.employee_new, name="employee_new"),
    path(
        "units/<uuid:unit>/staff/<uuid:person>/remove/",
        views.employee_remove,
        name="employee_remove",
    ),
]
