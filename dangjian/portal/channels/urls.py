from django.urls import path

from dangjian.portal.channels import views

app_name = "channels"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("article/<int:page_id>/", views.article, name="article"),
    path("entries/<int:entry_id>/retry/", views.retry, name="retry"),
    path("sections/", views.sections, name="sections"),
]
