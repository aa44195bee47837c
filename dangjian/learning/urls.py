from django.urls import path

from dangjian.learning import views, views_points

app_name = "learning"
urlpatterns = [
    path("", views.courses, name="courses"),
    path("c/<int:course_id>/", views.course, name="course"),
    path("l/<int:lesson_id>/", views.lesson, name="lesson"),
    path("l/<int:lesson_id>/comment/", views.lesson_comment, name="lesson_comment"),
    path("m/<int:lesson_id>/<str:variant>/", views.media, name="media"),
    path("manage/", views.manage, name="manage"),
    path("manage/courses/new/", views.course_edit, name="course_new"),
    path("manage/courses/<int:course_id>/", views.course_edit, name="course_edit"),
    path("manage/courses/<int:course_id>/publish/", views.course_publish, name="course_publish"),
    path("manage/courses/<int:course_id>/lessons/new/", views.lesson_edit, name="lesson_new"),
    path("manage/lessons/<int:lesson_id>/", views.lesson_edit, name="lesson_edit"),
    path("manage/lessons/<int:lesson_id>/upload/", views.lesson_upload, name="lesson_upload"),
    path("manage/plans/new/", views.plan_edit, name="plan_new"),
    path("manage/plans/<int:plan_id>/", views.plan_edit, name="plan_edit"),
    path("manage/plans/<int:plan_id>/courses/", views.plan_course, name="plan_course"),
    path("manage/plans/<int:plan_id>/report/", views.plan_report, name="plan_report"),
    path("manage/plans/<int:plan_id>/remind/", views.plan_remind, name="plan_remind"),
    path("points/", views_points.mine, name="points_mine"),
    path("points/ranking/", views_points.ranking, name="points_ranking"),
    path("points/ranking/<int:org_id>/", views_points.ranking, name="points_ranking_org"),
    path("manage/points/", views_points.settings_page, name="points_settings"),
    path("manage/points/inherit/", views_points.settings_inherit, name="points_inherit"),
]
