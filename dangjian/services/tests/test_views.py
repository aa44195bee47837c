"""Pages: catalogue, apply (known data shown, errors per field, nothing stored), my applications,
the approver's inbox (paginated, bounded queries), the application page's buttons, the matter and
form editor (each changed save makes a new form version), delegation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangjian.services import State
from dangjian.services.actions import do_submit_application
from dangjian.services.models import Application, Delegation, Matter

pytestmark = pytest.mark.django_db


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_catalogue_apply_and_mine(tree: Any, users: Any, sv: Any) -> None:
    c = client(users.member)
    assert "党员身份证明" in c.get("/services/").content.decode()
    form = c.get(f"/services/apply/{sv.proof.pk}/").content.decode()
    assert tree.alice.person.name in form and "readonly" in form
    bad = c.post(f"/services/apply/{sv.proof.pk}/", {"purpose": "旅游", "copies": "abc"})
    assert bad.status_code == 200 and not Application.objects.exists()
    text = bad.content.decode()
    assert "用途" in text and "份数" in text and 'class="field-error"' in text
    ok = c.post(f"/services/apply/{sv.proof.pk}/", {"purpose": "政审", "name": "别人"})
    app = Application.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/services/a/{app.public_id}/"
    assert app.data["name"] == tree.alice.person.name
    mine = c.get("/services/mine/").content.decode()
    assert app.number in mine and "党支部审核" in mine
    assert client(users.public).get(f"/services/apply/{sv.proof.pk}/").status_code == 404


def test_inbox_is_paginated_with_bounded_queries(users: Any, sv: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(3):
        do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    c = client(users.secretary)
    c.get("/services/inbox/")  # warm the navigation cache
    with django_assert_max_num_queries(40) as few:
        page = c.get("/services/inbox/")
    assert page.content.decode().count("/services/a/") == 3
    for _ in range(30):
        do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = c.get("/services/inbox/")
    assert page.content.decode().count("/services/a/") == 25
    assert c.get("/services/inbox/?page=2").content.decode().count("/services/a/") == 8
    assert client(users.member).get("/services/inbox/").status_code == 403


def test_application_page_buttons_and_decisions(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    url = f"/services/a/{app.public_id}/"
    assert 'id="approve"' in client(users.secretary).get(url).content.decode()
    assert 'id="approve"' not in client(users.admin).get(url).content.decode()
    assert 'id="approve"' not in client(users.member).get(url).content.decode()
    assert client(users.public).get(url).status_code == 404
    c = client(users.secretary)
    c.post(url + "decide/", {"action": "supplement", "reason": "请补充说明"})
    app.refresh_from_db()
    assert app.state == State.SUPPLEMENT
    page = client(users.member).get(url).content.decode()
    assert "请补充说明" in page and 'id="supply-form"' in page
    client(users.member).post(url + "act/", {"action": "supply", "purpose": "政审", "note": "用于政审"})
    app.refresh_from_db()
    assert app.state == State.IN_PROGRESS and app.data["note"] == "用于政审"
    c.post(url + "decide/", {"action": "approve"})
    app.refresh_from_db()
    assert app.current_position == 2
    client(users.member).post(url + "act/", {"action": "withdraw"})
    app.refresh_from_db()
    assert app.state == State.WITHDRAWN


def test_matter_editor_versions_the_form(tree: Any, users: Any) -> None:
    c = client(users.admin)
    assert c.get("/services/matters/new/").status_code == 200
    post = {"org": tree.county.pk, "title": "党员组织关系查询", "description": "", "audience": "members",
            "time_limit_days": 3, "active": "on",
            "f-0-order": "2", "f-0-key": "reason", "f-0-label": "事由", "f-0-type": "text", "f-0-required": "on",
            "f-1-order": "1", "f-1-key": "name", "f-1-label": "姓名", "f-1-type": "text", "f-1-known": "name",
            "f-2-key": "", "s-0-name": "支部", "s-0-anchor": "own", "s-0-rule": "any", "s-0-quorum": "1",
            "s-0-time_limit_days": "2", "s-1-name": ""}
    answer = c.post("/services/matters/new/", post)
    matter = Matter.objects.get(title="党员组织关系查询")
    assert answer.status_code == 302
    form = matter.current_form()
    assert form is not None and form.number == 1 and [f["key"] for f in form.fields] == ["name", "reason"]  # reordered
    assert [d.name for d in matter.step_definitions.all()] == ["支部"]
    post.update({"f-1-delete": "on", "f-2-key": "phone", "f-2-label": "电话", "f-2-type": "text", "f-2-order": "3"})
    c.post(f"/services/matters/{matter.pk}/", post)
    form = matter.current_form()
    assert form is not None and form.number == 2 and [f["key"] for f in form.fields] == ["reason", "phone"]
    bad = c.post(f"/services/matters/{matter.pk}/", {**post, "f-0-key": "Bad Key"})
    assert bad.status_code == 200 and matter.form_versions.count() == 2
    assert client(users.member).get("/services/matters/").status_code == 403
    assert client(users.organizer).get(f"/services/matters/{matter.pk}/").status_code == 404


def test_delegation_page(users: Any, root_user: Any) -> None:
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    c = client(users.secretary)
    assert c.post("/services/delegate/", {"delegate": "no-role", "starts_on": today,
                                          "ends_on": today}).status_code == 302
    assert Delegation.objects.get().delegate == users.nobody
    again = c.post("/services/delegate/", {"delegate": "secretary-a1", "starts_on": today, "ends_on": today})
    assert again.status_code == 200 and Delegation.objects.count() == 1


def test_a_refused_action_on_the_application_page_comes_back_with_its_reason(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    url = f"/services/a/{app.public_id}/"
    answer = client(users.secretary).post(url + "decide/", {"action": "shred"}, follow=True)
    assert answer.redirect_chain[-1][0] == url
    assert "请选择操作。" in answer.content.decode()  # the refusal, in the default language
    answer = client(users.member).post(url + "act/", {"action": "resubmit", "purpose": "政审"}, follow=True)
    app.refresh_from_db()
    assert app.state == State.SUBMITTED and app.resubmissions == 0
    assert answer.redirect_chain[-1][0] == url and "只有已退回的申请可以重新提交。" in answer.content.decode()
