from django.urls import path

from dangjian.members.development import views

app_name = "development"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("new/", views.create_view, name="create"),
    path("mine/", views.mine_view, name="mine"),
    path("notices/", views.notices_view, name="notices"),
    path("notices/<str:token>/", views.notice_detail_view, name="notice"),
    path("<int:file_id>/", views.detail_view, name="detail"),
    path("<int:file_id>/step/", views.step_view, name="step"),
    path("<int:file_id>/notice/", views.notice_view, name="publish_notice"),
    path("<int:file_id>/close/", views.close_view, name="close"),
    path("<int:file_id>/extend/", views.extend_view, name="extend"),
    path("<int:file_id>/documents/<str:kind>.docx", views.document_view, name="document"),
    path("<int:file_id>/uploads/<int:doc_id>/", views.upload_view, name="upload"),
    path("<int:file_id>/archive.zip", views.export_view, name="export"),
]
