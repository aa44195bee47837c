app_name = "development"
urlpatterns: list = []
