from django.urls import path

from dangjian.dues import views

app_name = "dues"
urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
]
