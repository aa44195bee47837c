from django.urls import path

from dangjian.opinions import views

app_name = "opinions"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("new/", views.submit, name="submit"),
    path("new/done/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("mine/", views.mine, name="mine"),
]
