from django.urls import path

from dangjian.insight import views, views_charts

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
    path("public/", views.public_list, name="public_briefings"),
    path("public/<int:briefing_id>/", views.public, name="public_briefing"),
    path("dictionary/", views.dictionary, name="dictionary"),
    path("dictionary/<int:word_id>/remove/", views.dictionary_remove, name="dictionary_remove"),
    path("topics.xlsx", views.topics_xlsx, name="topics_xlsx"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.start, name="start"),
    # the dashboard's charts, their drill-down, exports, run-to-run diff, live progress
    path("charts/", views_charts.dashboard_charts, name="charts"),
    path("charts.pdf", views_charts.dashboard_pdf, name="dashboard_pdf"),
    path("runs/<int:run_id>/texts/", views_charts.texts, name="texts"),
    path("runs/<int:run_id>/diff/", views_charts.diff, name="run_diff"),
    path("runs/<int:run_id>/progress/", views_charts.progress, name="run_progress"),
]

# alerts, routing figures, one text (views_alerts)
from dangjian.insight import views_alerts  # noqa: E402

urlpatterns += [
    path("alerts/", views_alerts.alerts, name="alerts"),
    path("alerts/rules/", views_alerts.alert_rule_save, name="alert_rule_save"),
    path("alerts/<int:alert_id>/", views_alerts.alert, name="alert"),
    path("alerts/<int:alert_id>/case/", views_alerts.alert_case, name="alert_case"),
    path("alerts/<int:alert_id>/dismiss/", views_alerts.alert_dismiss, name="alert_dismiss"),
    path("routing/", views_alerts.routing, name="routing"),
    path("texts/<int:text_id>/", views_alerts.text, name="text"),
    path("texts/<int:text_id>/sentiment/", views_alerts.text_sentiment, name="text_sentiment"),
]
