from django.urls import path

from dangjian.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("board/", views.board_view, name="board"),
    path("accountability/", views.accountability_list, name="accountability"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<int:department_id>/", views.department_detail, name="department"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<str:number>/", views.incident_public, name="incident_public"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<str:action>/<int:case_id>/", views.case_action, name="action"),
]
