"""Demo data of the service centre: the seeded matters (proof of party membership, hardship
assistance, the floating-member certificate handed to the member lifecycle, in-service members
registering at their residential community, meeting-room booking, grid requests) owned by the
demo county; a grid worker (``demo-grid``) on the county's first grid; applications of the demo
member in various states, their community registration approved and a volunteer task of that
community they signed up for. A dozen actions whatever the scale."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.orgs import OrgKind
from dangjian.orgs.models import Organization
from dangjian.services import Anchor, Audience, SignOffRule
from dangjian.services.actions import (
    do_appoint_grid_worker,
    do_create_volunteer_task,
    do_request_supplement,
    do_save_matter,
    do_sign_step,
    do_sign_up_volunteer,
    do_submit_application,
)
from dangjian.services.models import Matter

NAME = {"key": "name", "label": "姓名", "type": "text", "known": "name"}
ORG = {"key": "organization", "label": "所在党组织", "type": "text", "known": "organization"}
STATUS = {"key": "status", "label": "党员身份", "type": "text", "known": "status"}
JOINED = {"key": "join_date", "label": "入党时间", "type": "text", "known": "join_date"}
PHONE = {"key": "phone", "label": "联系电话", "type": "text", "known": "phone"}


def _branch_then(root: Any, name: str, days: int = 3) -> list[dict[str, Any]]:
    return [{"name": "党支部审核", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 2},
            {"name": name, "anchor": Anchor.FIXED, "fixed_organization": root.pk, "rule": SignOffRule.ANY,
             "time_limit_days": days}]


def matters(root: Any) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """(matter data, chain, form fields) of the seeded matters."""
    return [
        ({"title": "党员身份证明", "audience": Audience.MEMBERS, "time_limit_days": 5, "active": True,
          "issues_document": True,
          "description": "开具党员身份证明，用于入学、就业、政审等。党支部审核后由县委组织部出具，凭二维码可核验。",
          "document_text": "兹证明 $name 同志系中国共产党党员（$status），$join_date 入党，"
                           "现组织关系在 $organization。特此证明。"},
         _branch_then(root, "县委组织部出具证明"),
         [NAME, ORG, STATUS, JOINED,
          {"key": "purpose", "label": "用途", "type": "choice", "required": True,
           "choices": ["入学", "就业", "政审", "其他"]},
          {"key": "note", "label": "说明", "type": "textarea", "rules": {"max_length": 300}}]),
        ({"title": "困难党员帮扶", "audience": Audience.MEMBERS, "time_limit_days": 10, "active": True,
          "description": "生活困难的党员申请帮扶，党支部核实、镇（街道）党委审核、县委组织部审批。"},
         [{"name": "党支部核实", "anchor": Anchor.OWN, "rule": SignOffRule.ALL, "time_limit_days": 3},
          {"name": "镇党委审核", "anchor": Anchor.ANCESTOR, "anchor_kind": OrgKind.COMMITTEE,
           "rule": SignOffRule.ANY, "time_limit_days": 3},
          {"name": "县委组织部审批", "anchor": Anchor.FIXED, "fixed_organization": root.pk,
           "rule": SignOffRule.ANY, "time_limit_days": 4}],
         [NAME, ORG, PHONE,
          {"key": "hardship", "label": "困难类型", "type": "choice", "required": True,
           "choices": ["因病", "因灾", "因残", "其他"]},
          {"key": "income", "label": "家庭月收入（元）", "type": "number", "required": True, "rules": {"min": 0}},
          {"key": "details", "label": "困难情况", "type": "textarea", "required": True, "rules": {"max_length": 1000}},
          {"key": "proof", "label": "证明材料", "type": "file"}]),
        ({"title": "流动党员活动证申请", "audience": Audience.MEMBERS, "time_limit_days": 5, "active": True,
          "outcome": "lifecycle.floating_certificate",
          "description": "外出务工、经商半年以上的党员申请《流动党员活动证》，党支部审批后由组织关系所在党支部签发。"},
         [{"name": "党支部审批并签发", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 3}],
         [NAME, ORG, PHONE,
          {"key": "reason", "label": "外出原因", "type": "text", "required": True, "rules": {"max_length": 200}},
          {"key": "host_place", "label": "外出地点", "type": "text", "required": True, "rules": {"max_length": 100}},
          {"key": "host_unit", "label": "外出单位", "type": "text", "rules": {"max_length": 100}},
          {"key": "expires_on", "label": "有效期至", "type": "date", "rules": {"min_date": "today"}}]),
        ({"title": "在职党员到社区报到", "audience": Audience.MEMBERS, "time_limit_days": 5, "active": True,
          "grid_service": True, "community_registration": True,
          "description": "在职党员到居住地社区（网格）党组织报到，由网格确认后认领社区志愿服务岗位。"},
         [{"name": "社区网格确认", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 3}],
         [NAME, ORG, PHONE,
          {"key": "address", "label": "居住地址（楼栋、单元）", "type": "text", "required": True,
           "rules": {"max_length": 100}},
          {"key": "service", "label": "志愿服务意向", "type": "choice", "required": True,
           "choices": ["政策宣传", "环境整治", "关爱帮扶", "治安巡逻", "文化服务"]}]),
        ({"title": "会议室预约", "audience": Audience.PUBLIC, "time_limit_days": 2, "active": True,
          "description": "预约党群服务中心会议室。"},
         [{"name": "党群服务中心确认", "anchor": Anchor.FIXED, "fixed_organization": root.pk,
           "rule": SignOffRule.ANY, "time_limit_days": 1}],
         [NAME, {"key": "day", "label": "使用日期", "type": "date", "required": True, "rules": {"min_date": "today"}},
          {"key": "slot", "label": "时段", "type": "choice", "required": True, "choices": ["上午", "下午", "晚上"]},
          {"key": "people", "label": "人数", "type": "number", "required": True, "rules": {"min": 1, "max": 200}},
          {"key": "topic", "label": "会议内容", "type": "text", "required": True, "rules": {"max_length": 100}}]),
    ]


GRID_MATTER = ({"title": "社区网格诉求", "audience": Audience.PUBLIC, "time_limit_days": 5, "active": True,
                "grid_service": True,
                "description": "向所在网格反映诉求，由网格党支部和网格员先行办理；超过时限未解决的逐级提交上级党组织。"},
               [{"name": "网格办理", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 2}],
               [NAME, PHONE,
                {"key": "kind", "label": "诉求类别", "type": "choice", "required": True,
                 "choices": ["环境卫生", "设施维修", "邻里纠纷", "治安隐患", "其他"]},
                {"key": "what", "label": "具体情况", "type": "textarea", "required": True, "rules": {"max_length": 500}}])


def seed_matters(root: Any, admin: Any) -> dict[str, Matter]:
    out = {}
    for data, steps, fields in [*matters(root), GRID_MATTER]:
        matter = do_save_matter(root, data, steps, fields=fields, acting_user=admin)
        out[matter.title] = matter
    return out


GRID_WORKER = "demo-grid"
DEMO_PASSWORD = "dangjian-demo"  # noqa: S105 - the published demo password (the demo app's)


def _grid_worker(grid: Any, admin: Any) -> Any:
    """The demo grid worker: an account with no role of its own, appointed to ``grid``."""
    from dangjian.core.actions import do_create_user
    from dangjian.core.models import User
    worker = User.objects.filter(username=GRID_WORKER).first() or do_create_user(
        username=GRID_WORKER, password=DEMO_PASSWORD, name="演示网格员", acting_user=admin)
    do_appoint_grid_worker(grid, worker, acting_user=admin)
    return worker


def seed_demo(ctx: Any) -> None:
    admin, secretary, member = (ctx.users.get(n) for n in ("demo-admin", "demo-secretary", "demo-member"))
    if admin is None or ctx.root is None or Matter.objects.exists():
        return
    seeded = seed_matters(ctx.root, admin)
    if member is None or secretary is None:
        return
    proof = seeded["党员身份证明"]
    done = do_submit_application(proof, {"purpose": "政审"}, acting_user=member)
    do_sign_step(done, "approve", acting_user=secretary)
    do_sign_step(done, "approve", acting_user=admin)
    waiting = do_submit_application(proof, {"purpose": "就业", "note": "新单位入职需要"}, acting_user=member)
    do_sign_step(waiting, "approve", acting_user=secretary)
    hardship = do_submit_application(seeded["困难党员帮扶"], {"hardship": "因病", "income": 1800,
                                                             "details": "爱人长期住院治疗，家庭开支困难。"},
                                     acting_user=member)
    do_request_supplement(hardship, "请补充医院出具的诊断证明和费用清单。", acting_user=secretary)
    do_submit_application(seeded["流动党员活动证申请"], {"reason": "外出务工", "host_place": "浙江省宁波市",
                                                      "host_unit": "宁波某机械厂"}, acting_user=member)
    grid = Organization.objects.filter(path__startswith=ctx.root.path, kind=OrgKind.GRID_BRANCH,
                                       is_active=True).order_by("path").first()
    if grid is not None:
        worker = _grid_worker(grid, admin)
        register = do_submit_application(seeded["在职党员到社区报到"], {"address": "3号楼2单元", "service": "政策宣传"},
                                         organization=grid.pk, acting_user=member)
        do_sign_step(register, "approve", "欢迎报到", acting_user=worker)
        task = do_create_volunteer_task(grid, {"title": "垃圾分类宣传志愿服务", "places": 10,
                                               "day": (timezone.localdate() + dt.timedelta(days=6)).isoformat(),
                                               "description": "周末在小区广场宣传垃圾分类，发放宣传资料。"},
                                        acting_user=worker)
        do_sign_up_volunteer(task, acting_user=member)
        do_submit_application(seeded["社区网格诉求"], {"kind": "设施维修", "what": "3号楼楼道灯不亮，晚上出行不便。"},
                              organization=grid.pk, acting_user=member)
    do_submit_application(seeded["会议室预约"], {"day": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
                                                 "slot": "下午", "people": 12, "topic": "支部主题党日"},
                          acting_user=member)
