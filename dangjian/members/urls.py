from django.urls import path

from dangjian.members import views, views_infosets

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("<int:member_id>/", views.member_detail, name="detail"),
    path("<int:member_id>/edit/", views.member_edit, name="edit"),
    path("<int:member_id>/status/", views.member_status, name="status"),
    path("<int:member_id>/reveal/", views.member_reveal, name="reveal"),
    path("<int:member_id>/info/<slug:kind>/new/", views_infosets.info_add, name="info_add"),
    path("<int:member_id>/info/<slug:kind>/<int:pk>/remove/", views_infosets.info_remove, name="info_remove"),
]
