from django.urls import path

from dangjian.opinions import views, views_webhook

app_name = "opinions"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("new/", views.submit, name="submit"),
    path("new/done/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("webhook/chat/", views_webhook.chat_webhook, name="chat_webhook"),
    path("track/rate/", views.rate, name="rate"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:tracking_no>/", views.mine_detail, name="mine_detail"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/inbound/", views.staff_inbound, name="staff_inbound"),
    path("staff/<int:opinion_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:opinion_id>/assign/", views.staff_assign, name="staff_assign"),
    path("staff/<int:opinion_id>/link/", views.staff_link, name="staff_link"),
]
