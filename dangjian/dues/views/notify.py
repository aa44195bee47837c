"""The payment services' notifications (WeChat Pay payments and refunds, Alipay)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dangjian.dues.actions import do_handle_gateway_notification
from dangjian.dues.gateways.wechat import notification_headers


@csrf_exempt
@require_POST
def notify_wechat(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's asynchronous notification (signed; no session)."""
    body = request.body.decode("utf-8", errors="replace")
    return _wechat_answer(*do_handle_gateway_notification("wechat", notification_headers(request.META), body))


def _wechat_answer(status: int, outcome: str) -> HttpResponse:
    """What WeChat Pay expects back from a notification URL: SUCCESS, or FAIL with a message."""
    payload = {"code": "SUCCESS"} if status == 200 else {"code": "FAIL", "message": outcome}
    return HttpResponse(json.dumps(payload), status=status, content_type="application/json")


@csrf_exempt
@require_POST
def notify_alipay(request: HttpRequest) -> HttpResponse:
    """Alipay's asynchronous notification (a signed form POST); Alipay expects ``success``."""
    body = request.body.decode("utf-8", errors="replace")
    status, _outcome = do_handle_gateway_notification("alipay", {}, body)
    return HttpResponse("success" if status == 200 else "fail", status=status, content_type="text/plain")


@csrf_exempt
@require_POST
def notify_wechat_refund(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's refund notification (``REFUND.*``, to the refund's notify URL; signed, no session)."""
    from dangjian.dues.refunds import do_handle_refund_notification

    body = request.body.decode("utf-8", errors="replace")
    return _wechat_answer(*do_handle_refund_notification("wechat", notification_headers(request.META), body))
