from django.urls import path

from dangjian.core import views, views_accounts, views_workbench

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.member_home, name="member_home"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("todos/", views_workbench.todo_list, name="todos"),
    path("staff/search/", views_workbench.search, name="search"),
    path("me/badges/", views_workbench.nav_badges, name="nav_badges"),
    path("me/pins/add/", views_workbench.pin, name="pin"),
    path("me/pins/remove/", views_workbench.unpin, name="unpin"),
    path("me/large-font/", views.toggle_large_font, name="toggle_large_font"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("healthz", views.healthz, name="healthz"),
    path("staff/accounts/", views_accounts.account_list, name="account_list"),
    path("staff/accounts/new/", views_accounts.account_create, name="account_create"),
    path("staff/accounts/<int:account_id>/", views_accounts.account_detail, name="account_detail"),
    path("staff/accounts/<int:account_id>/reset-password/", views_accounts.account_reset_password,
         name="account_reset_password"),
    path("staff/roles/<int:assignment_id>/revoke/", views_accounts.assignment_revoke, name="assignment_revoke"),
]
