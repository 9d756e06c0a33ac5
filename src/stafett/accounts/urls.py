from django.urls import path

from stafett.accounts import views, views_admin

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.code_view, name="code"),
    path("login/enrol/", views.enrol_view, name="enrol"),
    path(
        "login/set-password/<uidb64>/<token>/",
        views.set_password_view,
        name="set_password",
    ),
    path("logout/", views.logout_view, name="logout"),
    path("municipality/failed-log-ins/", views_admin.login_failures, name="login_failures"),
]
