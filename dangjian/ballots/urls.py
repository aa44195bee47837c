from django.urls import path

from dangjian.ballots import views

app_name = "ballots"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("new/", views.create, name="create"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/edit/", views.edit, name="edit"),
    path("<str:public_id>/trustees/", views.set_trustees, name="set_trustees"),
    path("<str:public_id>/open/", views.open_evaluation, name="open"),
    path("<str:public_id>/reissue/", views.reissue, name="reissue"),
    path("<str:public_id>/close/", views.close_evaluation, name="close"),
    path("<str:public_id>/trustee/", views.trustee, name="trustee"),
    path("<str:public_id>/results/", views.results_view, name="results"),
    path("<str:public_id>/vote/", views.vote, name="vote"),
    path("<str:public_id>/bulletin/", views.bulletin_view, name="bulletin"),
]
