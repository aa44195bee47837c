from django.urls import path

from dangjian.insight import views

app_name = "insight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("topics/<int:topic_id>/", views.topic, name="topic"),
    path("topics/<int:topic_id>/rename/", views.rename, name="rename"),
    path("topics/<int:topic_id>/merge/", views.merge, name="merge"),
    path("topics/<int:topic_id>/review/", views.review, name="review"),
    path("topics/<int:topic_id>/split/", views.split, name="split"),
    path("briefings/", views.briefings, name="briefings"),
    path("briefings/<int:briefing_id>/", views.briefing, name="briefing"),
    path("briefings/<int:briefing_id>/pdf/", views.briefing_pdf, name="briefing_pdf"),
    path("runs/<int:run_id>/publish/", views.publish, name="publish"),
    path("public/<int:briefing_id>/", views.public, name="public_briefing"),
    path("dictionary/", views.dictionary, name="dictionary"),
    path("dictionary/<int:word_id>/remove/", views.dictionary_remove, name="dictionary_remove"),
    path("topics.xlsx", views.topics_xlsx, name="topics_xlsx"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.start, name="start"),
]
