"""The reporter's follow-up with the receipt code: state and messages, answers and evidence, and
the growing delay after wrong codes (per hashed client, bounded — never a lockout)."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.reports import actions as act
from dangjian.reports import throttle
from dangjian.reports.crypto import format_receipt
from dangjian.reports.models import Message
from dangjian.reports.tests.conftest import proof, submit

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/follow"


@pytest.fixture
def slept(monkeypatch: Any) -> list[float]:
    """The delays the follow-up waited (recorded instead of slept: tests do not wait)."""
    waits: list[float] = []
    monkeypatch.setattr(throttle, "sleep", waits.append)
    return waits


def follow(client: Any, code: str, ip: str = "192.0.2.10", **extra: Any) -> Any:
    return client.post(URL, {"receipt_code": code, "proof": proof("follow"), **extra}, content_type="application/json",
                       REMOTE_ADDR=ip)


def test_reporter_reads_state_and_staff_replies(client: Any, staff: Any, slept: list[float]) -> None:
    done = submit()
    act.do_accept_report(done.report, acting_user=staff.county1)
    act.do_send_staff_message(done.report, "请补充收钱的具体时间。", kind="question", acting_user=staff.county1,
                              staff_private=staff.keys["county1"])
    r = follow(client, format_receipt(done.receipt_code))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "accepted" and body["number"] == done.report.number
    assert body["messages"] == [{"author": "staff", "kind": "question", "text": "请补充收钱的具体时间。",
                                 "sent_on": str(done.report.received_on)}]
    assert slept == []


def test_reporter_answers_and_adds_evidence_which_the_handler_reads(client: Any, staff: Any, slept: list[float]) -> None:
    done = submit()
    r = client.post(f"{URL}/messages", {"receipt_code": done.receipt_code, "proof": proof("follow"),
                                        "text": "时间是三月五日晚上。", "kind": "evidence"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["messages"][0]["kind"] == "evidence"
    assert "三月五日".encode() not in bytes(Message.objects.get().box)
    seen = act.read_report(done.report, staff.county1, staff.keys["county1"])
    assert [(m["author"], m["kind"], m["text"]) for m in seen["messages"]] == [("reporter", "evidence",
                                                                                "时间是三月五日晚上。")]
    r = client.post(f"{URL}/messages", {"receipt_code": done.receipt_code, "proof": proof("follow"), "text": " "},
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "text"


def test_wrong_codes_answer_404_after_a_growing_bounded_delay(client: Any, staff: Any, slept: list[float]) -> None:
    done = submit()
    wrong = "1234" * 7
    for _i in range(6):
        r = follow(client, wrong)
        assert r.status_code == 404 and r.json()["field"] == "receipt_code"
    assert slept == [0.5, 1.0, 2.0, 4.0, 4.0]  # waited before checking: the first wrong code costs nothing
    # the right code from the same client also waits (a fast answer would tell right from wrong)…
    assert follow(client, done.receipt_code).status_code == 200
    assert slept[-1] == throttle.MAX_DELAY
    # …and a colleague behind another address is not slowed at all
    del slept[:]
    assert follow(client, done.receipt_code, ip="192.0.2.99").status_code == 200
    assert slept == []


def test_a_malformed_code_is_a_wrong_code(client: Any, staff: Any, slept: list[float]) -> None:
    submit()
    assert follow(client, "not a code").status_code == 404
    assert follow(client, "12").status_code == 404
    assert slept == [0.5]


def test_the_follow_page(client: Any, staff: Any, slept: list[float]) -> None:
    done = submit()
    p = proof("follow")
    r = client.post("/reports/follow/", {"receipt_code": format_receipt(done.receipt_code),
                                         "pow_challenge": p["challenge"], "pow_nonce": p["nonce"]})
    assert r.status_code == 200 and r.context["report"].pk == done.report.pk
    assert b'id="reply-form"' in r.content and b'id="report-state"' in r.content
    p = proof("follow")
    r = client.post("/reports/follow/", {"receipt_code": "0000" * 7, "pow_challenge": p["challenge"],
                                         "pow_nonce": p["nonce"]})
    assert r.status_code == 404 and "receipt_code" in r.context["form"].errors
    r = client.post("/reports/follow/", {"receipt_code": done.receipt_code})  # no proof of work
    assert r.status_code == 200 and "report" not in r.context
