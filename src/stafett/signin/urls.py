from django.urls import path

from stafett.signin import views, views_admin

app_name = "signin"

urlpatterns = [
    # Public: the log-in flow with a provider.
    path("login/with/<uuid:provider>/", views.start, name="start"),
    path("login/callback/", views.callback, name="callback"),
    path("login/waiting/", views.waiting, name="waiting"),
    # The municipal administrator.
    path("municipality/sign-in/", views_admin.manage, name="manage"),
    path("municipality/sign-in/links/<uuid:link>/", views_admin.link_decide, name="link_decide"),
]
