from django.urls import path

from dangjian.dues import views

app_name = "dues"
urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("", views.my_dues, name="my"),
    path("base/", views.report_base, name="report_base"),
    path("pay-for/<int:member_id>/", views.pay_for, name="pay_for"),
    path("pay/<str:out_trade_no>/", views.pay, name="pay"),
    path("pay/<str:out_trade_no>/return/", views.pay_return, name="pay_return"),
    path("pay/<str:out_trade_no>/check/", views.pay_check, name="pay_check"),
    path("receipt/<str:out_trade_no>/", views.receipt, name="receipt"),
    path("receipt/<str:out_trade_no>/refund/", views.refund, name="refund"),
    path("notify/wechat/", views.notify_wechat, name="notify_wechat"),
    path("notify/alipay/", views.notify_alipay, name="notify_alipay"),
    path("manage/ledger/", views.ledger, name="ledger"),
    path("manage/members/", views.member_year, name="member_year"),
    path("manage/generate/", views.generate, name="generate"),
    path("manage/bases/", views.bases, name="bases"),
    path("manage/bases/<int:base_id>/review/", views.review_base, name="review_base"),
    path("manage/bases/import/", views.import_bases, name="import_bases"),
    path("manage/members/<int:member_id>/record/", views.record_payment, name="record_payment"),
    path("manage/members/<int:member_id>/consent/", views.consents, name="consents"),
    path("manage/arrears/", views.arrears, name="arrears"),
    path("notice/", views.notice, name="notice"),
    path("manage/notice/", views.manage_notice, name="manage_notice"),
    path("manage/handovers/", views.handovers, name="handovers"),
    path("manage/reconciliation/", views.reconciliations, name="reconciliations"),
    path("manage/reconciliation/<int:rec_id>/", views.reconciliation, name="reconciliation"),
    path("manage/reliefs/", views.reliefs, name="reliefs"),
    path("manage/reliefs/<int:relief_id>/decide/", views.decide_relief, name="decide_relief"),
    # settling reconciliation mismatches
    path("manage/reconciliation/<int:rec_id>/items/<int:item_id>/settle/", views.settle_mismatch,
         name="settle_mismatch"),
    path("manage/reconciliation/<int:rec_id>/items/<int:item_id>/apply/", views.apply_mismatch_payment,
         name="apply_mismatch_payment"),
    # refunds: WeChat Pay's refund notifications, the treasurer's "check the refund"
    path("notify/wechat/refund/", views.notify_wechat_refund, name="notify_wechat_refund"),
    path("receipt/<str:out_trade_no>/refund/check/", views.refund_check, name="refund_check"),
]
