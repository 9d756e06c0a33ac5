from django.urls import path

from stafett.guides import views

app_name = "guides"

urlpatterns = [
    # The municipal administrator: action guides.
    path("municipality/guides/", views.admin_guides, name="admin_guides"),
    path("municipality/guides/<uuid:guide>/", views.admin_guide, name="admin_guide"),
    path(
        "municipality/guides/<uuid:guide>/steps/<int:level>/<slug:step>/",
        views.admin_step,
        name="admin_step",
    ),
    path("municipality/guides/<uuid:guide>/preview/", views.admin_preview, name="admin_preview"),
    path("municipality/guides/<uuid:guide>/publish/", views.admin_publish, name="admin_publish"),
    path("municipality/guides/<uuid:guide>/discard/", views.admin_discard, name="admin_discard"),
    path(
        "municipality/guides/<uuid:guide>/versions/<int:number>/",
        views.admin_version,
        name="admin_version",
    ),
    # The municipal administrator: tools (form templates).
    path("municipality/tools/", views.admin_templates, name="admin_templates"),
    path("municipality/tools/<uuid:template>/", views.admin_template, name="admin_template"),
    path(
        "municipality/tools/<uuid:template>/fields/new/",
        views.admin_field_add,
        name="admin_field_add",
    ),
    path(
        "municipality/tools/<uuid:template>/publish/",
        views.admin_template_publish,
        name="admin_template_publish",
    ),
    path(
        "municipality/tools/<uuid:template>/withdraw/",
        views.admin_template_withdraw,
        name="admin_template_withdraw",
    ),
    path(
        "municipality/tools/<uuid:template>/versions/<int:number>/",
        views.admin_template_version,
        name="admin_template_version",
    ),
    path("municipality/tools/fields/<uuid:field>/", views.admin_field, name="admin_field"),
    path(
        "municipality/tools/fields/<uuid:field>/remove/",
        views.admin_field_remove,
        name="admin_field_remove",
    ),
    # Staff: a tool, a filled form.
    path("tools/<uuid:template>/", views.tool, name="tool"),
    path("tools/<uuid:template>/fill/<uuid:log>/", views.fill, name="fill"),
    path(
        "tools/<uuid:template>/fill-concern/<uuid:concern>/",
        views.fill_concern,
        name="fill_concern",
    ),
    path("forms/<uuid:filled>/", views.filled_form, name="filled_form"),
    # Public: no log-in.
    # `municipality` is its short name (/m/fjordvik/guides/); the older addresses with its
    # id still work and lead to the short one.
    path("m/<str:municipality>/guides/", views.public_guides, name="public_guides"),
    path("m/<str:municipality>/guides/<uuid:guide>/", views.public_guide, name="public_guide"),
]
