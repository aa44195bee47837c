from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dangjian.orglife.actions import do_cancel_activity
from dangjian.orglife.ical import build_calendar, escape, feed_token, fold
from dangjian.orglife.tests.conftest import plan

pytestmark = pytest.mark.django_db


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    lines: list[str] = []
    for raw in text.split("\r\n")[:-1]:
        assert len(raw.encode("utf-8")) <= 75, raw
        if raw.startswith(" "):
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    return lines


def parse(text: str) -> list[dict[str, str]]:
    """A structural parse: properly nested BEGIN/END, one property per line, events as dicts."""
    stack: list[str] = []
    events: list[dict[str, str]] = []
    for line in unfold(text):
        name, _, value = line.partition(":")
        assert name and _ == ":", line
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        elif stack and stack[-1] == "VEVENT":
            events[-1][name] = value
    assert stack == []
    return events


def test_escape_and_fold() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    long = "SUMMARY:" + "党" * 60
    folded = fold(long)
    assert all(len(p.encode()) <= 75 for p in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == long


def test_calendar_is_well_formed(tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, topic="学习, 讨论; 总结" + "很长的主题" * 10,
             online_link="https://meeting.example.cn/j/1")
    text = build_calendar("支部", [a], base_url="https://dj.example.cn", host="dj.example.cn")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    [event] = parse(text)
    assert event["UID"] == f"orglife-activity-{a.pk}@dj.example.cn"
    assert event["DTSTART"].endswith("Z") and len(event["DTSTART"]) == 16
    assert "学习\\, 讨论\\; 总结" in event["SUMMARY"]
    assert event["STATUS"] == "CONFIRMED" and event["URL"] == f"https://dj.example.cn/orglife/a/{a.pk}/"


def test_member_and_branch_feeds_need_the_token(client: Any, tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    b = plan(tree.branch_a1, users.secretary, topic="取消的会")
    do_cancel_activity(b, "改期", acting_user=users.secretary)
    plan(tree.branch_a2, users.organizer, topic="别的支部")
    url = reverse("orglife:member_feed", args=[tree.alice.pk, feed_token("member", tree.alice.pk)])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = parse(response.content.decode())
    assert {e["UID"].split("@")[0] for e in events} == {f"orglife-activity-{a.pk}", f"orglife-activity-{b.pk}"}
    assert {e["STATUS"] for e in events} == {"CONFIRMED", "CANCELLED"}
    bad = reverse("orglife:member_feed", args=[tree.alice.pk, feed_token("member", tree.carol.pk)])
    assert client.get(bad).status_code == 404
    branch = reverse("orglife:branch_feed", args=[tree.branch_a2.pk, feed_token("branch", tree.branch_a2.pk)])
    assert [e["SUMMARY"].endswith("别的支部") for e in parse(client.get(branch).content.decode())] == [True]
    wrong_kind = reverse("orglife:branch_feed", args=[tree.branch_a2.pk, feed_token("member", tree.branch_a2.pk)])
    assert client.get(wrong_kind).status_code == 404
