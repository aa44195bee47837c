"""Official working-day calendar pages (included at ``staff/calendar/``)."""

from django.urls import path

from dangjian.core import views_workdays as views

app_name = "workdays"
urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("<int:year>/", views.calendar_edit, name="edit"),
    path("<int:year>/delete", views.calendar_delete, name="delete"),
]
