from django.urls import path

from stafett.concerns import views

app_name = "concerns"

urlpatterns = [
    path("", views.concern_list, name="list"),
    path("new/", views.register, name="register"),
    path("worry-scale/", views.worry_scale, name="worry_scale"),
    path("help/", views.ask_for_help, name="ask_for_help"),
    path("<uuid:concern>/", views.detail, name="detail"),
    path("<uuid:concern>/observe/", views.observe, name="observe"),
    path("<uuid:concern>/score/", views.score, name="score"),
    path("<uuid:concern>/share/", views.share, name="share"),
    path("<uuid:concern>/view/", views.add_view, name="add_view"),
    path("<uuid:concern>/name/", views.name, name="name"),
    path("<uuid:concern>/family/", views.family_talk, name="family_talk"),
    path("<uuid:concern>/decide/", views.decide, name="decide"),
    path("<uuid:concern>/attach/", views.attach, name="attach"),
    path("<uuid:concern>/violence/", views.violence_path, name="violence_path"),
    path("<uuid:concern>/report/", views.report, name="report"),
    path("<uuid:concern>/report/edit/", views.report_edit, name="report_edit"),
    path("<uuid:concern>/report/sent/", views.report_sent, name="report_sent"),
    path("<uuid:concern>/report/pdf/", views.report_pdf, name="report_pdf"),
]
