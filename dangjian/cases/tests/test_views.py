"""Case pages: inbox, detail with actions, board, accountability, departments — scope and errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from dangjian.cases import CaseState
from dangjian.cases.actions import do_accept_case, do_reply_case
from dangjian.cases.models import Case, Department, DepartmentMember


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_handler_inbox_and_actions(make_case: Any, depts: Any, django_assert_max_num_queries: Any) -> None:
    case = make_case()
    other = make_case(dept=depts.transport, title="公交站牌损坏")
    for i in range(6):
        make_case(title=f"积水问题{i}")
    c = client_for(depts.h1)
    # 13: the navigation's grid-worker and grid-manager questions (service centre) included
    with django_assert_max_num_queries(13):
        page = c.get("/cases/")
    html = page.content.decode()
    assert page.status_code == 200 and case.number in html and other.number not in html
    # another department's case: 404
    assert c.get(f"/cases/{other.pk}/").status_code == 404
    detail = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="accept-case"' in detail
    assert c.post(f"/cases/accept/{case.pk}/").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    # a second accept: the refusal is shown as a message, nothing changes
    response = c.post(f"/cases/accept/{case.pk}/", follow=True)
    assert "already been accepted" in response.content.decode() or "已经受理" in response.content.decode()
    bad = c.post(f"/cases/reply/{case.pk}/", {"reply": "短"})
    assert bad.status_code == 400 and 'class="field-error"' in bad.content.decode()
    ok = c.post(f"/cases/reply/{case.pk}/", {"reply": "已经处理完毕，路灯恢复正常照明。"})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REPLIED
    assert c.post(f"/cases/nonsense/{case.pk}/").status_code == 404


@pytest.mark.django_db
def test_send_back_and_reassign_pages(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    c = client_for(depts.h1)
    assert c.post(f"/cases/send_back/{case.pk}/", {"reason": ""}).status_code == 400
    assert c.post(f"/cases/send_back/{case.pk}/", {"reason": "不属于本部门职责范围"}).status_code == 302
    admin = client_for(users.admin)
    assert admin.post(f"/cases/reassign/{case.pk}/", {"lead_department": depts.transport.pk}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED and case.lead_department == depts.transport
    # the handler of the first department can no longer see the case
    assert c.get(f"/cases/{case.pk}/").status_code == 404


@pytest.mark.django_db
def test_staff_filters_and_scope(make_case: Any, depts: Any, users: Any) -> None:
    late = make_case()
    Case.objects.filter(pk=late.pk).update(deadline=dt.date(2020, 1, 2))
    fresh = make_case(dept=depts.transport)
    town = make_case(dept=depts.town_office, title="乙镇路面破损")
    admin = client_for(users.admin)
    html = admin.get("/cases/?overdue=1").content.decode()
    assert late.number in html and fresh.number not in html
    html = admin.get(f"/cases/?dept={depts.transport.pk}&state=assigned").content.decode()
    assert fresh.number in html and late.number not in html
    # the town-a discipline officer sees no county or town-b cases
    disc = client_for(users.discipline)
    assert disc.get(f"/cases/{town.pk}/").status_code == 404
    assert town.number not in disc.get("/cases/").content.decode()
    assert client_for(users.member).get("/cases/").status_code == 403


@pytest.mark.django_db
def test_board_page_turns_red(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    admin = client_for(users.admin)
    html = admin.get("/cases/board/").content.decode()
    assert f'data-department="{depts.housing.pk}" data-colour="green"' in html
    Case.objects.filter(pk=case.pk).update(deadline=dt.date(2020, 1, 2))
    html = admin.get("/cases/board/").content.decode()
    assert f'data-department="{depts.housing.pk}" data-colour="red"' in html
    assert client_for(depts.h1).get("/cases/board/").status_code == 403
    assert client_for(depts.supervisor).get("/cases/board/").status_code == 200


@pytest.mark.django_db
def test_accountability_page(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    Case.objects.filter(pk=case.pk).update(deadline=dt.date(2020, 1, 2))
    admin = client_for(users.admin)
    assert 'action="/cases/accountability/' in admin.get(f"/cases/{case.pk}/").content.decode()
    assert admin.post(f"/cases/accountability/{case.pk}/", {"person": "", "rule": "", "decision": ""}).status_code == 400
    ok = admin.post(f"/cases/accountability/{case.pk}/", {
        "person": "王某某", "rule": "按期答复的规定", "decision": "criticism"})
    assert ok.status_code == 302
    assert "王某某" in admin.get("/cases/accountability/").content.decode()
    assert client_for(users.secretary).get("/cases/accountability/").status_code == 403


@pytest.mark.django_db
def test_department_admin_pages(tree: Any, users: Any, depts: Any) -> None:
    admin = client_for(users.admin)
    assert admin.post("/cases/departments/", {"name": "", "organization": ""}).status_code == 400
    assert admin.post("/cases/departments/", {"name": "县水利局", "organization": tree.county.pk}).status_code == 302
    dept = Department.objects.get(name="县水利局")
    page = admin.post(f"/cases/departments/{dept.pk}/", {"form": "add_member", "username": depts.h1.username,
                                                         "role": "handler"})
    assert page.status_code == 302
    assert DepartmentMember.objects.filter(department=dept, user=depts.h1).exists()
    bad = admin.post(f"/cases/departments/{dept.pk}/", {"form": "add_member", "username": "nobody-here",
                                                        "role": "handler"})
    assert bad.status_code == 400
    membership = DepartmentMember.objects.get(department=dept, user=depts.h1)
    assert admin.post(f"/cases/departments/{dept.pk}/", {"form": "remove_member",
                                                         "membership": membership.pk}).status_code == 302
    assert not DepartmentMember.objects.filter(pk=membership.pk).exists()
    # a town secretary cannot manage county departments
    assert client_for(users.secretary).get(f"/cases/departments/{dept.pk}/").status_code == 404
    assert client_for(users.secretary).get("/cases/departments/").status_code == 403


@pytest.mark.django_db
def test_case_detail_shows_timeline(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    do_accept_case(case, acting_user=depts.h1)
    do_reply_case(case, reply="已经处理完毕，路灯恢复正常照明。", acting_user=depts.h1)
    html = client_for(users.admin).get(f"/cases/{case.pk}/").content.decode()
    assert html.count("<li") >= 3 and "已经处理完毕" in html and 'id="case-timeline"' in html
