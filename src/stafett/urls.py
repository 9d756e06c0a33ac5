from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from stafett.core.views import healthz
from stafett.policy import public

urlpatterns = [
    path("", include("stafett.home.urls")),
    path("", include("stafett.accounts.urls")),
    path("", include("stafett.organisation.urls")),
    path("logs/", include("stafett.logs.urls")),
    path("concerns/", include("stafett.concerns.urls")),
    path("", include("stafett.guides.urls")),
    path("notifications/", include("stafett.notifications.urls")),
    path("statistics/", include("stafett.statistics.urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("django-admin/", admin.site.urls),
]
