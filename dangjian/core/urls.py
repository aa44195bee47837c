from django.urls import path

from dangjian.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.member_home, name="member_home"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/large-font/", views.toggle_large_font, name="toggle_large_font"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("healthz", views.healthz, name="healthz"),
]
