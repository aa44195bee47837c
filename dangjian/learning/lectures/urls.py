from django.urls import path

from dangjian.learning.lectures import views

app_name = "lectures"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:lecture_id>/", views.room, name="room"),
    path("<int:lecture_id>/feed/", views.feed, name="feed"),
    path("<int:lecture_id>/post/", views.post, name="post"),
    path("<int:lecture_id>/ask/", views.ask, name="ask"),
    path("<int:lecture_id>/start/", views.start, name="start"),
    path("<int:lecture_id>/finish/", views.finish, name="finish"),
    path("<int:lecture_id>/lesson/", views.make_lesson, name="make_lesson"),
    path("<int:lecture_id>/m/<int:message_id>/answer/", views.answer, name="answer"),
    path("<int:lecture_id>/m/<int:message_id>/pin/", views.pin, name="pin"),
    path("<int:lecture_id>/m/<int:message_id>/file/", views.file, name="file"),
]
