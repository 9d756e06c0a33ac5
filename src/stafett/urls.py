from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from stafett.api.api import urls as api_urls
from stafett.core.views import healthz, readyz
from stafett.policy import public

urlpatterns = [
    path("", include("stafett.home.urls")),
    path("", include("stafett.accounts.urls")),
    # Issue 13: log-in with ID-porten, Feide and Entra ID.
    path("", include("stafett.signin.urls")),
    path("", include("stafett.organisation.urls")),
    path("logs/", include("stafett.logs.urls")),
    path("concerns/", include("stafett.concerns.urls")),
    path("", include("stafett.guides.urls")),
    path("notifications/", include("stafett.notifications.urls")),
    path("delivery/", include("stafett.delivery.urls")),
    # Retention and deletion, the leader's follow-up list (issue 12).
    path("", include("stafett.retention.urls")),
    path("", include("stafett.followup.urls")),
    path("archive/", include("stafett.archive.urls")),
    # The JSON API (issue 13) and the administrator's integration tokens.
    path("api/v1/", api_urls()),
    path("", include("stafett.api.urls")),
    path("statistics/", include("stafett.statistics.urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("django-admin/", admin.site.urls),
]

# A 500 caused by an exhausted connection pool becomes a quick 503 with Retry-After.
handler500 = "stafett.core.views.server_error"
