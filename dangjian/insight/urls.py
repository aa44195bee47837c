from django.urls import path

from dangjian.insight import views

app_name = "insight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("topics/<int:topic_id>/", views.topic, name="topic"),
    path("topics/<int:topic_id>/rename/", views.rename, name="rename"),
    path("topics/<int:topic_id>/merge/", views.merge, name="merge"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.start, name="start"),
]
