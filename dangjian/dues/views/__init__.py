"""Views of the dues module: thin (parse → access/selector → one action → render).

One module per screen; this package lists the views the URLs name."""

from dangjian.dues.views.arrears import arrears
from dangjian.dues.views.bases import bases, import_bases, review_base
from dangjian.dues.views.common import EXPORT_MAX_ROWS, EXPORTS, PAGE_SIZE
from dangjian.dues.views.consents import consents
from dangjian.dues.views.handovers import handovers
from dangjian.dues.views.ledger import MEMBER_YEAR_EXPORT_MAX, generate, ledger, member_year
from dangjian.dues.views.member import calculator, home_items, my_dues, pay_for, report_base
from dangjian.dues.views.notice import MONTH_NUMBERS, manage_notice, notice
from dangjian.dues.views.notify import notify_alipay, notify_wechat, notify_wechat_refund
from dangjian.dues.views.payments import pay, pay_check, pay_return, receipt, record_payment, refund, refund_check
from dangjian.dues.views.reconciliation import (
    WAITING_PAYMENT,
    apply_mismatch_payment,
    reconciliation,
    reconciliations,
    settle_mismatch,
)
from dangjian.dues.views.reliefs import decide_relief, reliefs

__all__ = [
    "EXPORTS",
    "EXPORT_MAX_ROWS",
    "MEMBER_YEAR_EXPORT_MAX",
    "MONTH_NUMBERS",
    "PAGE_SIZE",
    "WAITING_PAYMENT",
    "apply_mismatch_payment",
    "arrears",
    "bases",
    "calculator",
    "consents",
    "decide_relief",
    "generate",
    "handovers",
    "home_items",
    "import_bases",
    "ledger",
    "manage_notice",
    "member_year",
    "my_dues",
    "notice",
    "notify_alipay",
    "notify_wechat",
    "notify_wechat_refund",
    "pay",
    "pay_check",
    "pay_for",
    "pay_return",
    "receipt",
    "reconciliation",
    "reconciliations",
    "record_payment",
    "refund",
    "refund_check",
    "reliefs",
    "report_base",
    "review_base",
    "settle_mismatch",
]
