from django.urls import path

from dangjian.stats import screen_views, views, views_tables

app_name = "stats"

urlpatterns = [
    path("", views_tables.index, name="index"),
    path("tables/", views_tables.tables, name="tables"),
    path("tables/submissions/", views_tables.submissions, name="submissions"),
    path("tables/submissions/<int:pk>/", views_tables.submission, name="submission"),
    path("records/<str:key>/", views.records, name="records"),
    # The overview screen (大屏): the top of the caller's scope, or one organization.
    path("screen/", screen_views.screen_page, name="screen"),
    path("screen/data/", screen_views.screen_data, name="screen_data"),
    path("screen/configure/", screen_views.screen_configure, name="screen_configure"),
    path("screen/<int:org_id>/", screen_views.screen_page, name="screen_org"),
    path("screen/<int:org_id>/data/", screen_views.screen_data, name="screen_org_data"),
    path("screen/<int:org_id>/configure/", screen_views.screen_configure, name="screen_org_configure"),
]
