from django.urls import path

from dangjian.opinions.forum import views

app_name = "forum"
urlpatterns = [
    path("", views.boards, name="boards"),
    path("b/<int:board_id>/", views.board, name="board"),
    path("b/<int:board_id>/new/", views.new_thread, name="new_thread"),
    path("t/<int:thread_id>/", views.thread, name="thread"),
    path("t/<int:thread_id>/report/", views.report_thread, name="report_thread"),
    path("t/<int:thread_id>/moderate/", views.moderate_thread, name="moderate_thread"),
    path("t/<int:thread_id>/to-opinion/", views.to_opinion, name="to_opinion"),
    path("r/<int:reply_id>/report/", views.report_reply, name="report_reply"),
    path("r/<int:reply_id>/moderate/", views.moderate_reply, name="moderate_reply"),
    path("t/<int:thread_id>/edit/", views.edit_thread, name="edit_thread"),
    path("t/<int:thread_id>/delete/", views.delete_thread, name="delete_thread"),
    path("r/<int:reply_id>/edit/", views.edit_reply, name="edit_reply"),
    path("r/<int:reply_id>/delete/", views.delete_reply, name="delete_reply"),
    path("manage/", views.manage_boards, name="manage_boards"),
    path("manage/<int:board_id>/", views.manage_board, name="manage_board"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/reports/<int:report_id>/resolve/", views.resolve_report, name="resolve_report"),
]
