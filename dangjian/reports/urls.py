from django.urls import path

from dangjian.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.new, name="new"),
    path("follow/", views.follow, name="follow"),
    path("key/", views.key, name="key"),
    path("custodian/", views.custodian, name="custodian"),
    path("identity-requests/", views.identity_requests, name="identity_log"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/photos/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<uuid:public_id>/<str:op>/", views.act_on, name="act"),
]
