from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core.hooks import home_items
from dangjian.orglife import ActivityStatus
from dangjian.orglife.actions import do_check_in_member, do_close_activity, do_start_activity
from dangjian.orglife.models import Activity, Attendee
from dangjian.orglife.tests.conftest import at, plan
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _login(client: Any, user: Any) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_plan_page_creates_an_activity(client: Any, tree: Any, users: Any) -> None:
    _login(client, users.secretary)
    page = client.get(reverse("orglife:plan"))
    assert page.status_code == 200 and 'id="plan-form"' in page.content.decode()  # one branch: preselected
    response = client.post(reverse("orglife:plan"), {
        "org": tree.branch_a1.pk, "kind": "branch_assembly", "topic": "学习党章", "starts_at": "2026-12-01T09:00",
        "ends_at": "2026-12-01T11:00", "place": "会议室",
        "materials": [SimpleUploadedFile("议程.pdf", b"%PDF-1.4 demo", content_type="application/pdf")],
    })
    assert response.status_code == 302, response.content.decode()
    a = Activity.objects.get()
    assert a.materials.count() == 1 and a.attendees.count() == 2
    response = client.post(reverse("orglife:plan"), {
        "org": tree.branch_a1.pk, "kind": "branch_assembly", "topic": "学习党章", "starts_at": "2026-12-01T09:00",
        "ends_at": "2026-12-01T08:00", "place": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "field-error" in html and Activity.objects.count() == 1
    assert client.get(reverse("orglife:plan") + f"?org={tree.branch_b1.pk}").status_code == 404


def test_members_cannot_plan(client: Any, tree: Any, users: Any) -> None:
    _login(client, users.member)
    assert client.get(reverse("orglife:plan")).status_code == 403
    assert client.get(reverse("orglife:list")).status_code == 302  # → my activities


def test_list_is_scoped(client: Any, tree: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    plan(tree.branch_a1, users.secretary, topic="一村的会")
    plan(tree.branch_b1, users.admin, topic="社区的会")
    _login(client, users.organizer)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("orglife:list")).content.decode()
    assert "一村的会" in html and "社区的会" not in html


def test_detail_scope_and_member_view(client: Any, tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, online_link="https://meeting.example.cn/j/9")
    _login(client, ol.carol)
    assert client.get(reverse("orglife:detail", args=[a.pk])).status_code == 404
    _login(client, ol.alice)
    html = client.get(reverse("orglife:detail", args=[a.pk])).content.decode()
    assert 'id="my-part"' in html and 'id="manage"' not in html and 'id="attendance"' not in html
    response = client.post(reverse("orglife:leave", args=[a.pk]), {"reason": "出差"})
    assert response.status_code == 302
    assert Attendee.objects.get(activity=a, member=tree.alice).leave_status == "pending"
    # a member cannot decide leave or sign others in
    att = Attendee.objects.get(activity=a, member=tree.bob)
    client.post(reverse("orglife:checkin_member", args=[a.pk, att.pk]))
    att.refresh_from_db()
    assert not att.present


def test_secretary_flow_through_pages(client: Any, tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    _login(client, ol.bob)
    client.post(reverse("orglife:leave", args=[a.pk]), {"reason": "生病"})
    _login(client, users.secretary)
    bob = Attendee.objects.get(activity=a, member=tree.bob)
    alice = Attendee.objects.get(activity=a, member=tree.alice)
    client.post(reverse("orglife:decide_leave", args=[a.pk, bob.pk]), {"decision": "approve"})
    client.post(reverse("orglife:notify", args=[a.pk]))
    client.post(reverse("orglife:start", args=[a.pk]))
    client.post(reverse("orglife:checkin_member", args=[a.pk, alice.pk]))
    client.post(reverse("orglife:resolution", args=[a.pk]), {"title": "通过学习计划"})
    client.post(reverse("orglife:photos", args=[a.pk]), {"files": [SimpleUploadedFile("p.png", PNG)]})
    response = client.post(reverse("orglife:photos", args=[a.pk]), {"files": [SimpleUploadedFile("x.png", b"GIF89a")]})
    assert response.status_code == 302
    detail = client.get(reverse("orglife:detail", args=[a.pk])).content.decode()
    assert 'id="quorum"' in detail and 'id="close-form"' in detail and "通过学习计划" in detail
    response = client.post(reverse("orglife:close", args=[a.pk]), {
        "minutes": "学习了党章。<script>alert(1)</script>", "chair": "张书记", "minute_taker": "李委员",
        f"absence_{bob.pk}": "病假"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == ActivityStatus.CLOSED and "<script>" not in a.minutes and a.photos.count() == 1
    bob.refresh_from_db()
    assert bob.absence_reason == "病假" and bob.leave_status == "approved"
    photo = client.get(reverse("orglife:photo", args=[a.pk, a.photos.get().pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


def test_join_page_records_presence(client: Any, tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, online_link="https://meeting.example.cn/j/1")
    _login(client, ol.alice)
    page = client.get(reverse("orglife:join", args=[a.pk])).content.decode()
    assert 'id="join-button"' in page
    page = client.post(reverse("orglife:join", args=[a.pk])).content.decode()
    assert 'id="joined"' in page and "https://meeting.example.cn/j/1" in page
    assert Attendee.objects.get(activity=a, member=tree.alice).checkin_method == "remote"
    _login(client, users.secretary)  # not an attendee: no join page
    assert client.get(reverse("orglife:join", args=[a.pk])).status_code == 404


def test_ledger_page_and_excel(client: Any, tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, starts_at=at(2026, 3, 5), topic="一季度党员大会")
    do_start_activity(a, acting_user=users.secretary)
    do_check_in_member(Attendee.objects.get(activity=a, member=tree.alice), acting_user=users.secretary)
    do_close_activity(a, {"minutes": "<p>记录</p>", "chair": "甲", "minute_taker": "乙"}, acting_user=users.secretary)
    plan(tree.branch_a1, users.secretary, starts_at=at(2026, 4, 5), topic="未结束的会")
    _login(client, users.organizer)
    html = client.get(reverse("orglife:ledger") + f"?org={tree.branch_a1.pk}&year=2026").content.decode()
    assert "一季度党员大会" in html and "未结束的会" not in html
    assert client.get(reverse("orglife:ledger") + f"?org={tree.branch_b1.pk}").status_code == 404
    response = client.get(reverse("orglife:ledger_export") + f"?org={tree.branch_a1.pk}&year=2026")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][2] == "一季度党员大会" and rows[2][6] == 2 and rows[2][7] == 1 and rows[2][12] == "记录"
    pdf = client.get(reverse("orglife:ledger_export_pdf") + f"?org={tree.branch_a1.pk}&year=2026")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"
    assert client.get(reverse("orglife:ledger_export_pdf") + f"?org={tree.town_a.pk}").status_code == 404


def test_compliance_page(client: Any, tree: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    _login(client, users.admin)
    client.get(reverse("orglife:compliance") + f"?org={tree.county.pk}&year=2026")  # the menu's badge counts (cached 30 s per user) are the shell's, not this page's
    with django_assert_max_num_queries(20):
        response = client.get(reverse("orglife:compliance") + f"?org={tree.county.pk}&year=2026")
    html = response.content.decode()
    assert response.status_code == 200 and f'id="branch-{tree.branch_b1.pk}"' in html
    assert "flag-inactive" in html
    _login(client, users.organizer)
    assert client.get(reverse("orglife:compliance") + f"?org={tree.town_b.pk}").status_code == 404


def test_my_activities_and_home_item(client: Any, tree: Any, users: Any, ol: Any, rf: Any) -> None:
    plan(tree.branch_a1, users.secretary, topic="下周的主题党日", kind="theme_day")
    _login(client, ol.alice)
    html = client.get(reverse("orglife:mine")).content.decode()
    assert "下周的主题党日" in html and 'id="member-feed"' in html
    request = rf.get("/")
    request.user = ol.alice
    assert any("下周的主题党日" in str(i["title"]) for i in home_items(request))


def test_list_pagination_keeps_filters(client: Any, tree: Any, users: Any, settings: Any) -> None:
    settings.ORGLIFE = {"PAGE_SIZE": 2}
    for i in range(3):
        plan(tree.branch_a1, users.secretary, topic=f"会议{i}", kind="theme_day")
    _login(client, users.secretary)
    html = client.get(reverse("orglife:list") + "?kind=theme_day").content.decode()
    assert 'href="?kind=theme_day&amp;page=2"' in html or 'href="?kind=theme_day&page=2"' in html


def test_close_form_offers_the_rich_text_editor_and_works_without_it(client: Any, tree: Any, users: Any) -> None:
    """The minutes field is a plain textarea marked for the editor (scripts from 'self', no inline
    script); a browser without JavaScript posts the textarea, and hostile markup is cleaned."""
    import re

    a = plan(tree.branch_a1, users.secretary)
    do_start_activity(a, acting_user=users.secretary)
    _login(client, users.secretary)
    response = client.get(reverse("orglife:detail", args=[a.pk]))
    page = response.content.decode()
    assert re.search(r'<textarea name="minutes"[^>]*data-rich-editor="\{[^"]*&quot;bold&quot;: &quot;加粗&quot;', page)
    assert "vendor/pell-1.0.6/pell.min.js" in page and "orglife/minutes-editor.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.split("<body", 1)[1].replace(
        '<script type="application/json"', ""))
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split("script-src", 1)[1].split(";")[0]
    bob = Attendee.objects.get(activity=a, member=tree.bob)
    alice = Attendee.objects.get(activity=a, member=tree.alice)
    client.post(reverse("orglife:close", args=[a.pk]), {
        "minutes": '<h3>议程</h3><p><img src=x onerror="alert(1)"><b onmouseover="x()">通过</b>'
                   '<a href="javascript:alert(1)">链接</a></p>',
        "chair": "张书记", "minute_taker": "李委员", f"absence_{bob.pk}": "病假", f"absence_{alice.pk}": "出差"})
    a.refresh_from_db()
    assert a.status == ActivityStatus.CLOSED
    assert a.minutes == '<h3>议程</h3><p><b>通过</b><a rel="nofollow noopener">链接</a></p>'
    detail = client.get(reverse("orglife:detail", args=[a.pk])).content.decode()
    assert '<h3>议程</h3><p><b>通过</b><a rel="nofollow noopener">链接</a></p>' in detail and "onerror" not in detail
    assert "pell.min.js" not in detail  # the editor is loaded only while the record can be written
