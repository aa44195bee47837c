"""Demo data for organizational life: the demo branch's committee (secretary, deputy, member —
so heart-to-heart talk pairs and the secretary's lecture show on the compliance pages), two closed
activities and one planned one, written through the module's own actions (small at every scale:
twelve audit events)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.members.models import Member
from dangjian.orglife import ActivityKind, CommitteePost
from dangjian.orglife.actions import do_check_in_members, do_close_activity, do_plan_activity, do_start_activity
from dangjian.orglife.committee_actions import do_add_committee_seat
from dangjian.orglife.periods import tz

_PAST = [
    (ActivityKind.BRANCH_ASSEMBLY, "学习贯彻党的创新理论", 40),
    (ActivityKind.THEME_DAY, "主题党日：走访慰问困难群众", 20),
]
_FUTURE = [
    (ActivityKind.PARTY_LECTURE, "书记讲党课：发挥先锋模范作用", 7),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=tz())


def seed_demo(ctx: Any) -> None:
    user = ctx.users.get("demo-secretary") or ctx.users.get("demo-admin")
    if user is None or ctx.branch is None:
        return
    today = ctx.today or timezone.localdate()
    _seat_committee(ctx.branch, today, user)
    for kind, topic, days_ago in _PAST:
        day = today - dt.timedelta(days=days_ago)
        activity = do_plan_activity(ctx.branch, {
            "kind": kind, "topic": topic, "starts_at": _at(day, 9), "ends_at": _at(day, 11),
            "place": "村党群服务中心会议室", "agenda": "1. 学习文件\n2. 交流讨论"}, acting_user=user)
        do_start_activity(activity, acting_user=user)
        ids = list(activity.attendees.order_by("pk").values_list("pk", flat=True))
        do_check_in_members(activity, ids[: max(1, len(ids) * 3 // 4)], acting_user=user)
        do_close_activity(activity, {"minutes": f"会议围绕“{topic}”进行了学习和讨论。", "chair": "支部书记",
                                     "minute_taker": "组织委员"}, acting_user=user)
    for kind, topic, days_ahead in _FUTURE:
        day = today + dt.timedelta(days=days_ahead)
        do_plan_activity(ctx.branch, {
            "kind": kind, "topic": topic, "starts_at": _at(day, 15), "ends_at": _at(day, 17),
            "place": "村党群服务中心", "online_link": "https://meeting.example.cn/j/demo"}, acting_user=user)


def _seat_committee(branch: Any, today: dt.date, user: Any) -> None:
    """The branch's three longest-standing full members form its committee from 1 January."""
    ids = list(Member.objects.filter(organization=branch, status="full").order_by("join_date", "pk")
               .values_list("pk", flat=True)[:3])
    if len(ids) < 3:
        return
    start = dt.date(today.year, 1, 1)
    for member_id, post in zip(ids, (CommitteePost.SECRETARY, CommitteePost.DEPUTY_SECRETARY, CommitteePost.MEMBER),
                               strict=True):
        do_add_committee_seat(branch, member_id, post, start, acting_user=user)
