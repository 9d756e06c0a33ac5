"""Starting a log, consent, participants, handover, level/step decisions, closing."""

from django.urls import URLPattern, path

from stafett.consent import views as consent
from stafett.logs import views_lifecycle as views

urlpatterns: list[URLPattern] = [
    path("new/", views.start, name="start"),
    # Consent: the coordinator's side.
    path("<uuid:log>/consent/", consent.history, name="consent"),
    path("<uuid:log>/consent/new/", consent.request_view, name="consent_request"),
    path("<uuid:log>/consent/cancel/", consent.cancel, name="consent_cancel"),
    path("<uuid:log>/consent/units/add/", consent.scope_add, name="scope_add"),
    path("<uuid:log>/consent/units/<uuid:unit>/remove/", consent.scope_remove, name="scope_remove"),
    path("<uuid:log>/consent/<uuid:consent>/scan/", consent.scan, name="consent_scan"),
    # Consent: the family's side.
    path("<uuid:log>/consent/<uuid:consent>/give/", consent.give, name="consent_give"),
    path("<uuid:log>/consent/<uuid:consent>/decline/", consent.decline, name="consent_decline"),
    path("<uuid:log>/consent/withdraw/", consent.withdraw, name="consent_withdraw"),
    path(
        "<uuid:log>/consent/<uuid:consent>/units/<uuid:unit>/confirm/",
        consent.scope_confirm,
        name="scope_confirm",
    ),
    path("<uuid:log>/consent/renew/", consent.renew, name="consent_renew"),
    path("<uuid:log>/consent/share/", consent.share, name="consent_share"),
    path("<uuid:log>/consent/ask/", consent.scope_ask, name="scope_ask"),
    path(
        "<uuid:log>/consent/requests/<uuid:request_id>/answer/",
        consent.scope_answer,
        name="scope_answer",
    ),
    path(
        "<uuid:log>/consent/requests/<uuid:request_id>/take-back/",
        consent.scope_take_back,
        name="scope_take_back",
    ),
    # Participants.
    path("<uuid:log>/participants/", views.participants, name="participants"),
    path(
        "<uuid:log>/participants/<uuid:participant>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
    # Handover.
    path("<uuid:log>/handover/", views.handover_propose, name="handover_propose"),
    path("<uuid:log>/handover/<uuid:handover>/", views.handover_answer, name="handover_answer"),
    path(
        "<uuid:log>/handover/<uuid:handover>/cancel/",
        views.handover_cancel,
        name="handover_cancel",
    ),
    # Decisions.
    path("<uuid:log>/move/", views.move, name="move"),
    path("<uuid:log>/close/", views.close, name="close"),
    path("<uuid:log>/reopen/", views.reopen, name="reopen"),
]
