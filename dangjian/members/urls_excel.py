from django.urls import path

from dangjian.members import views_excel

app_name = "members_excel"
urlpatterns = [
    path("template.xlsx", views_excel.template, name="template"),
    path("import/", views_excel.import_members, name="import"),
    path("export.xlsx", views_excel.export, name="export"),
]
