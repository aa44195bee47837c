from django.urls import path

from dangjian.services import views

app_name = "services"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("apply/<int:matter_id>/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("inbox/", views.inbox, name="inbox"),
    path("delegate/", views.delegate, name="delegate"),
    path("measures/", views.measures, name="measures"),
    path("grid/", views.grid, name="grid"),
    path("grid/workers/", views.grid_workers, name="grid_workers"),
    path("volunteer/", views.volunteer, name="volunteer"),
    path("volunteer/<int:task_id>/", views.volunteer_task, name="volunteer_task"),
    path("matters/", views.matter_list, name="matters"),
    path("matters/new/", views.matter_edit, name="matter_new"),
    path("matters/<int:matter_id>/", views.matter_edit, name="matter_edit"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("a/<str:public_id>/", views.application, name="application"),
    path("a/<str:public_id>/decide/", views.decide, name="decide"),
    path("a/<str:public_id>/act/", views.applicant_action, name="applicant_action"),
    path("a/<str:public_id>/document.pdf", views.document_pdf, name="document"),
    path("a/<str:public_id>/revoke/", views.revoke, name="revoke"),
    path("a/<str:public_id>/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
