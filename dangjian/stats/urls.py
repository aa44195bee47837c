from django.urls import path

from dangjian.stats import views, views_tables

app_name = "stats"

urlpatterns = [
    path("", views_tables.index, name="index"),
    path("tables/", views_tables.tables, name="tables"),
    path("tables/submissions/", views_tables.submissions, name="submissions"),
    path("tables/submissions/<int:pk>/", views_tables.submission, name="submission"),
    path("records/<str:key>/", views.records, name="records"),
]
