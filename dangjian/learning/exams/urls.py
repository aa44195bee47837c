from django.urls import path

from dangjian.learning.exams import views

app_name = "exams"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:exam_id>/", views.exam, name="exam"),
    path("<int:exam_id>/start/", views.start, name="start"),
    path("attempt/<int:attempt_id>/", views.attempt, name="attempt"),
    path("attempt/<int:attempt_id>/result/", views.result, name="result"),
    path("banks/", views.banks, name="banks"),
    path("banks/new/", views.bank_new, name="bank_new"),
    path("banks/template.xlsx", views.bank_template, name="bank_template"),
    path("banks/<int:bank_id>/", views.bank, name="bank"),
    path("banks/<int:bank_id>/import/", views.bank_import, name="bank_import"),
    path("banks/<int:bank_id>/questions/<int:question_id>/active/", views.question_active, name="question_active"),
    path("manage/", views.exams, name="exams"),
    path("manage/new/", views.exam_new, name="exam_new"),
    path("manage/<int:exam_id>/", views.results, name="results"),
    path("manage/<int:exam_id>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("manage/<int:exam_id>/publish/", views.publish, name="publish"),
    path("manage/<int:exam_id>/close/", views.close, name="close"),
]
