from django.urls import path

from dangjian.stats import views

app_name = "stats"

urlpatterns = [
    path("records/<str:key>/", views.records, name="records"),
]
