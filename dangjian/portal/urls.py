from django.urls import path, re_path

from dangjian.portal import feeds, views

app_name = "portal"
urlpatterns = [
    path("portal/corrections/<int:page_id>/", views.suggest_correction, name="suggest_correction"),
    path("portal/matters/", views.matters, name="matters"),
    path("portal/matters/<slug:kind>/<str:ref>/", views.matter, name="matter"),
    # in front of Wagtail's own /portal/ catch-all: anonymous pages from the whole-page cache
    # (Wagtail's /portal/_util/ login and password views stay Wagtail's)
    re_path(r"^portal/(?!_util/)((?:[\w\-]+/)*)$", views.portal_page, name="page"),
    path("search/", views.search_view, name="search"),
    path("feeds/<str:slug>.rss", feeds.ArticleFeed(), name="feed_rss"),
    path("feeds/<str:slug>.atom", feeds.AtomArticleFeed(), name="feed_atom"),
    path("feeds/<str:slug>.json", feeds.json_feed, name="feed_json"),
    path("staff/portal/comments/", views.moderation, name="moderation"),
    path("staff/portal/comments/<int:comment_id>/moderate/", views.moderate, name="moderate"),
    path("staff/portal/comments/<int:comment_id>/answer/", views.answer, name="answer"),
    path("staff/portal/corrections/", views.corrections, name="corrections"),
    path("staff/portal/corrections/<int:suggestion_id>/answer/", views.answer_correction, name="answer_correction"),
    path("staff/portal/sensitive-words/", views.sensitive_words, name="sensitive_words"),
]
