"""Demo data for the case engine: three departments with a handler, and opinions routed to them as
cases in different states — all through the real actions (opinions → cases). It lives in the demo
app, which sits on top of both modules (cases imports neither opinions nor the demo)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from dangjian.cases import MemberRole, Rating, actions
from dangjian.core.actions import do_create_user, do_grant_role
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.demo.actions import DEMO_PASSWORD
from dangjian.opinions.actions import do_assign_opinion, do_rate_opinion, do_submit_opinion

DEPARTMENTS = ("县住房和城乡建设局", "县交通运输局", "县民政局")
HANDLER = "demo-handler"
#: (kind, title, body, department index, how far it gets)
SAMPLES = [
    ("complaint", "村口路灯不亮", "村口的三盏路灯坏了一个星期，晚上出行很不安全，请尽快维修。", 0, "assigned"),
    ("suggestion", "公交线路延伸到乙镇", "建议把县城 3 路公交延伸到乙镇中心，方便群众进城办事。", 1, "accepted"),
    ("inquiry", "低保申请进度咨询", "我上个月提交了低保申请材料，想了解现在审核到哪一步了。", 2, "replied"),
    ("complaint", "小区雨后积水严重", "每次下雨小区门口都积水，老人孩子进出很不方便。", 0, "rated"),
]


def seed_cases(ctx: Any) -> None:
    admin = ctx.users.get("demo-admin")
    if admin is None:
        return
    handler = User.objects.filter(username=HANDLER).first()
    if handler is None:
        handler = do_create_user(username=HANDLER, password=DEMO_PASSWORD, name="演示承办员", acting_user=admin)
        do_grant_role(handler, Role.DEPT_HANDLER, ctx.root, acting_user=admin)
    depts = []
    for name in DEPARTMENTS:
        dept = actions.do_create_department({"name": name, "organization": ctx.root}, acting_user=admin)
        actions.do_add_department_member(dept, handler, MemberRole.HANDLER, acting_user=admin)
        depts.append(dept)
    for i, (kind, title, body, dept_index, goal) in enumerate(SAMPLES):
        opinion = do_submit_opinion(
            {"kind": kind, "title": title, "body": body, "name": "演示群众", "phone": f"1390000{i:04d}",
             "is_public": True, "place": ctx.branch.pk},
            [], acting_user=AnonymousUser())
        case = do_assign_opinion(opinion, lead_department=depts[dept_index], acting_user=admin)
        if goal == "assigned":
            continue
        actions.do_accept_case(case, acting_user=handler)
        if goal == "accepted":
            continue
        actions.do_reply_case(case, reply="已安排工作人员现场核实并处理，处理结果已电话告知。", acting_user=handler)
        if goal == "rated":
            do_rate_opinion(opinion, Rating.SATISFIED, acting_user=AnonymousUser(), sender_verified=True)
