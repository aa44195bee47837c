from django.urls import path  # noqa: F401  (the tables and screen views add their paths here)

app_name = "stats"

urlpatterns: list = []
