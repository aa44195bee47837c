from django.urls import path

from dangjian.members.lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("floating/", views.floating_list, name="floating"),
    path("floating/issue/", views.certificate_issue, name="issue"),
    path("floating/<int:cert_id>/", views.certificate_detail, name="certificate"),
    path("floating/<int:cert_id>/renew/", views.certificate_renew, name="renew"),
    path("floating/<int:cert_id>/end/", views.certificate_end, name="end"),
    path("floating/<int:cert_id>/report/", views.certificate_report, name="report"),
    path("floating/<int:cert_id>/print/", views.certificate_print, name="print"),
    path("verify/<str:token>/", views.certificate_verify, name="verify"),
    path("status-requests/", views.request_list, name="requests"),
    path("status-requests/new/", views.request_propose, name="propose"),
    path("status-requests/<int:request_id>/", views.request_detail, name="request"),
    path("status-requests/<int:request_id>/decide/", views.request_decide, name="decide"),
    path("status-requests/<int:request_id>/withdraw/", views.request_withdraw, name="withdraw"),
    path("status-requests/<int:request_id>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
]
