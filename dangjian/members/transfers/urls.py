from django.urls import path

from dangjian.members.transfers import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("new/", views.transfer_start, name="start"),
    path("mine/", views.my_transfer, name="mine"),
    path("incoming/new/", views.register_incoming, name="register_incoming"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("<int:transfer_id>/", views.transfer_detail, name="detail"),
    path("<int:transfer_id>/decide/", views.transfer_decide, name="decide"),
    path("<int:transfer_id>/cancel/", views.transfer_cancel, name="cancel"),
    path("<int:transfer_id>/resubmit/", views.transfer_resubmit, name="resubmit"),
    path("<int:transfer_id>/receipt/", views.transfer_receipt, name="receipt"),
    path("<int:transfer_id>/letter.pdf", views.letter_pdf, name="letter"),
]
