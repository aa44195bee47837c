from django.urls import path

from dangjian.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("search/", views.org_search, name="search"),
    path("<int:org_id>/", views.org_detail, name="detail"),
    path("<int:org_id>/children/", views.org_children, name="children"),
    path("<int:org_id>/new/", views.org_create, name="create"),
    path("<int:org_id>/edit/", views.org_edit, name="edit"),
]
