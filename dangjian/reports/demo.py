"""Demo data for reports: a discipline officer of the county, ``demo-discipline`` (the demo
password; report-key passphrase ``demo-report-key``, docs/modules/reports.md), named identity
custodian, with a key, and three reports — one real-name, accepted and answered. The county's
discipline-inspection department in the case engine, ``县纪委监委``, takes the accepted report's
supervised case.

The demo plays the reporter and the handler on the server; a real staff key is made from a
passphrase only its holder knows, and no receipt code is kept (the demo's codes are lost: try the
follow-up page with a report of your own)."""

from __future__ import annotations

from typing import Any

from dangjian.cases.actions import do_create_department
from dangjian.cases.models import Department
from dangjian.core.actions import do_create_user, do_grant_role
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.reports import actions as act
from dangjian.reports import crypto

OFFICER = "demo-discipline"
DEMO_PASSWORD = "dangjian-demo"  # noqa: S105 - the published demo password (the demo app's)
DEMO_PASSPHRASE = "demo-report-key"  # noqa: S105 - published demo passphrase
DEMO_KDF = crypto.KdfParams(ops=2, mem=8 * 1024 * 1024)
DESK = "县纪委监委"  # the county's discipline-inspection department in the case engine

_REPORTS = [
    {"content": "某村党支部书记在低保评定中优亲厚友，把不符合条件的亲属列入名单。", "accused": "某村党支部书记",
     "place": "城关镇某村，今年三月", "kind": "masses"},
    {"content": "某单位负责人多次用公车接送家属上下班，并在工作日中午饮酒。", "accused": "某单位负责人",
     "place": "县城，近两个月", "kind": "integrity", "real_name": "张三", "phone": "13800000000"},
    {"content": "项目招标中有人提前泄露标底，中标单位与评标专家有亲属关系。", "accused": "",
     "place": "县交通局项目", "kind": "work"},
]


def seed_demo(ctx: Any) -> None:
    admin = ctx.users.get("demo-admin")
    if admin is None or User.objects.filter(username=OFFICER).exists():
        return
    officer = do_create_user(username=OFFICER, password=DEMO_PASSWORD, name="演示纪检员", acting_user=admin)
    do_grant_role(officer, Role.DISCIPLINE, ctx.root, acting_user=admin)
    officer = User.objects.get(pk=officer.pk)
    act.do_name_custodian(ctx.root, officer, acting_user=officer)
    # the passphrase is published: a heavy Argon2id would protect nothing and slow every seeding
    key = act.do_create_staff_key(DEMO_PASSPHRASE, acting_user=officer, kdf=DEMO_KDF)
    private = crypto.unlock_private(act.staff_key_record(key), DEMO_PASSPHRASE)
    if act.intake_org().pk != ctx.root.pk:
        return  # seeded beside another tree: new reports go to that tree's first root, not ours
    if not Department.objects.filter(organization=ctx.root, name=DESK).exists():
        do_create_department({"name": DESK, "organization": ctx.root}, acting_user=admin)
    reports = [act.do_submit_report(data, acting_user=officer).report for data in _REPORTS]
    act.do_accept_report(reports[1], acting_user=officer)
    act.do_send_staff_message(reports[1], "您的举报已受理，我们将依规处理并反馈结果。", acting_user=officer,
                              staff_private=private)
