"""Member workbench pages: scope matrix, reveal, create/edit/status, query bounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from dangjian.core.idgen import make_id_number
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db

NAMES = {"alice": "张爱丽", "bob": "李博", "carol": "王卡洛", "dave": "赵大伟"}

# Who sees whom on the list page; None = the list is refused with 403.
LIST_MATRIX = {
    "admin": {"alice", "bob", "carol", "dave"},
    "secretary": {"alice", "bob"},
    "organizer": {"alice", "bob", "carol"},
    "discipline": {"alice", "bob", "carol"},
    "publicity": None,
    "handler": None,
    "member": None,
    "public": None,
    "nobody": None,
}

# (user, member) → status code of the detail page and of the edit page.
IN, OUT = "alice", "dave"
DETAIL_MATRIX = {
    "admin": {IN: 200, OUT: 200},
    "secretary": {IN: 200, OUT: 404, "carol": 404},
    "organizer": {IN: 200, OUT: 404},
    "discipline": {IN: 200, OUT: 404},
    "publicity": {IN: 404, OUT: 404},
    "handler": {IN: 404, OUT: 404},
    "member": {IN: 200, OUT: 404, "bob": 404},
    "public": {IN: 404, OUT: 404},
    "nobody": {IN: 404, OUT: 404},
}
EDIT_MATRIX = {
    "admin": {IN: 200, OUT: 200},
    "secretary": {IN: 200, OUT: 404},
    "organizer": {IN: 200, OUT: 404},
    "discipline": {IN: 403, OUT: 404},  # may read, may not change
    "publicity": {IN: 404, OUT: 404},
    "handler": {IN: 404, OUT: 404},
    "member": {IN: 403, OUT: 404},  # own record: readable, not editable
    "public": {IN: 404, OUT: 404},
    "nobody": {IN: 404, OUT: 404},
}


def _edit_data(member: Member, **changes: Any) -> dict[str, Any]:
    p = member.person
    data = {
        "name": p.name, "sex": p.sex, "ethnicity": p.ethnicity,
        "birth_date": p.birth_date.isoformat() if p.birth_date else "",
        "id_number": "", "phone": "", "education": p.education, "address": p.address,
        "work_unit": p.work_unit, "job_post": p.job_post, "organization": member.organization_id,
        "category": member.category, "join_date": member.join_date.isoformat() if member.join_date else "",
        "full_date": member.full_date.isoformat() if member.full_date else "", "add_type": member.add_type,
        "note": member.note,
    }
    data.update(changes)
    return data


def _new_data(org: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "陈新民", "id_number": make_id_number("320321", dt.date(1990, 5, 6), 901), "phone": "13912345678",
        "organization": org.pk, "status": "probationary", "category": "in_service",
        "join_date": "2020-07-01", "full_date": "", "add_type": "developed", "ethnicity": "汉族",
    }
    data.update(changes)
    return data


# --- scope matrix ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", list(LIST_MATRIX))
def test_list_scope_matrix(client, tree, users, who):
    client.force_login(getattr(users, who))
    response = client.get(reverse("members:list"))
    expected = LIST_MATRIX[who]
    if expected is None:
        assert response.status_code == 403
        for name in NAMES.values():
            assert name not in response.content.decode()
        return
    assert response.status_code == 200
    html = response.content.decode()
    shown = {key for key, name in NAMES.items() if name in html}
    assert shown == expected
    assert response.context["page"].paginator.count == len(expected)


@pytest.mark.parametrize("who", list(DETAIL_MATRIX))
def test_detail_scope_matrix(client, tree, users, who):
    client.force_login(getattr(users, who))
    for key, code in DETAIL_MATRIX[who].items():
        member = getattr(tree, key)
        response = client.get(reverse("members:detail", args=[member.pk]))
        assert response.status_code == code, (who, key)
        if code == 200:
            assert NAMES[key] in response.content.decode()
        else:
            assert NAMES[key] not in response.content.decode()


@pytest.mark.parametrize("who", list(EDIT_MATRIX))
def test_edit_scope_matrix(client, tree, users, who):
    client.force_login(getattr(users, who))
    for key, code in EDIT_MATRIX[who].items():
        member = getattr(tree, key)
        response = client.get(reverse("members:edit", args=[member.pk]))
        assert response.status_code == code, (who, key)
        # A POST is refused the same way and changes nothing.
        before = member.person.work_unit
        response = client.post(reverse("members:edit", args=[member.pk]), _edit_data(member, work_unit="X单位"))
        assert response.status_code == (302 if code == 200 else code), (who, key)
        member.person.refresh_from_db()
        if code != 200:
            assert member.person.work_unit == before


def test_member_sees_own_detail_without_history_or_edit(client, tree, users):
    client.force_login(users.member)
    html = client.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    assert NAMES["alice"] in html
    assert reverse("members:edit", args=[tree.alice.pk]) not in html
    assert reverse("members:reveal", args=[tree.alice.pk]) not in html
    assert 'class="card history"' not in html


@pytest.mark.parametrize("url", ["members:list", "members:create"])
def test_anonymous_redirected_to_login(client, tree, url):
    response = client.get(reverse(url))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_detail_redirected_to_login(client, tree):
    response = client.get(reverse("members:detail", args=[tree.alice.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- list: search, filters, pagination --------------------------------------------------------------

def test_search_by_pinyin_initials_and_last_digits(client, tree, users):
    client.force_login(users.organizer)
    html = client.get(reverse("members:list"), {"q": "zal"}).content.decode()
    assert NAMES["alice"] in html and NAMES["bob"] not in html
    # The organizer's mask shows the last two digits; the last four are searched with view_pii.
    last2 = tree.carol.person.id_number[-2:]
    html = client.get(reverse("members:list"), {"q": last2}).content.decode()
    assert NAMES["carol"] in html
    full = tree.bob.person.id_number
    # The organizer may not see full numbers, so a full-number search confirms nothing.
    response = client.get(reverse("members:list"), {"q": full})
    assert list(response.context["members"]) == []
    client.force_login(users.secretary)
    response = client.get(reverse("members:list"), {"q": full})
    assert [m.pk for m in response.context["members"]] == [tree.bob.pk]
    rows = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    assert full not in rows  # the rows show masked numbers only
    assert tree.bob.person.id_number_masked in rows


def test_search_outside_scope_finds_nothing(client, tree, users):
    client.force_login(users.secretary)
    response = client.get(reverse("members:list"), {"q": tree.dave.person.id_number})
    assert response.context["page"].paginator.count == 0
    assert NAMES["dave"] not in response.content.decode()


def test_filters_status_category_and_org(client, tree, users):
    client.force_login(users.admin)
    response = client.get(reverse("members:list"), {"status": "probationary"})
    assert [m.pk for m in response.context["members"]] == [tree.bob.pk]
    response = client.get(reverse("members:list"), {"status": "current", "org": tree.town_a.pk})
    assert {m.pk for m in response.context["members"]} == {tree.alice.pk, tree.bob.pk, tree.carol.pk}
    response = client.get(reverse("members:list"), {"category": "retired"})
    assert response.context["page"].paginator.count == 0


def test_org_filter_out_of_scope_is_404(client, tree, users):
    client.force_login(users.secretary)
    assert client.get(reverse("members:list"), {"org": tree.branch_b1.pk}).status_code == 404
    assert client.get(reverse("members:list"), {"org": "nonsense"}).status_code == 404
    assert client.get(reverse("members:list"), {"org": tree.branch_a1.pk}).status_code == 200


def test_pagination_keeps_filters(client, tree, users, settings, root_user):
    settings.DANGJIAN = {**settings.DANGJIAN, "MEMBERS_PAGE_SIZE": 2}
    for i in range(3):
        make_member(tree.branch_a2, f"王测{i}", acting_user=root_user)
    client.force_login(users.admin)
    response = client.get(reverse("members:list"), {"org": tree.branch_a2.pk, "status": "current"})
    html = response.content.decode()
    assert response.context["page"].paginator.num_pages == 2
    assert f"org={tree.branch_a2.pk}&amp;status=current&amp;page=2" in html
    page2 = client.get(reverse("members:list"), {"org": tree.branch_a2.pk, "status": "current", "page": 2})
    assert len(page2.context["members"]) == 2
    # Out-of-range page numbers fall back to the last page instead of failing.
    assert client.get(reverse("members:list"), {"page": 999}).status_code == 200


def test_empty_state(client, tree, users):
    client.force_login(users.admin)
    response = client.get(reverse("members:list"), {"q": "没有这个人"})
    assert response.status_code == 200
    assert 'class="empty card"' in response.content.decode()


def test_export_import_links_respect_permissions(client, tree, users):
    client.force_login(users.discipline)  # may view, not export/import
    response = client.get(reverse("members:list"))
    assert response.context["export_url"] is None and response.context["import_url"] is None


def _list_queries(client, django_assert_max_num_queries) -> int:
    client.get(reverse("members:list"), {"status": "current"})  # warm: the shell's navigation is cached per user
    with django_assert_max_num_queries(12) as ctx:
        response = client.get(reverse("members:list"), {"status": "current"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_page_size(client, tree, users, settings, root_user,
                                                      django_assert_max_num_queries):
    settings.DANGJIAN = {**settings.DANGJIAN, "MEMBERS_PAGE_SIZE": 100}
    client.force_login(users.admin)
    make_member(tree.branch_a1, "钱一", acting_user=root_user)
    few = _list_queries(client, django_assert_max_num_queries)  # 5 members
    for i in range(55):
        make_member(tree.branch_a2 if i % 2 else tree.branch_b1, f"孙{i}", acting_user=root_user)
    response = client.get(reverse("members:list"), {"status": "current"})
    assert len(response.context["members"]) == 60
    many = _list_queries(client, django_assert_max_num_queries)  # 60 members
    assert many == few


# --- reveal ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["admin", "secretary"])
def test_reveal_allowed_shows_full_numbers_and_logs(client, tree, users, who):
    client.force_login(getattr(users, who))
    url = reverse("members:reveal", args=[tree.alice.pk])
    detail = client.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    assert url in detail and tree.alice.person.id_number not in detail
    response = client.post(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert tree.alice.person.id_number in html and tree.alice.person.phone in html
    event = AuditEvent.objects.filter(action="member.pii_viewed", target_id=str(tree.alice.pk)).get()
    assert event.actor == getattr(users, who)


def test_reveal_htmx_returns_partial(client, tree, users):
    client.force_login(users.secretary)
    response = client.post(reverse("members:reveal", args=[tree.alice.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="member-pii"')
    assert tree.alice.person.id_number in html


@pytest.mark.parametrize(("who", "code"), [("organizer", 403), ("discipline", 403), ("member", 403),
                                           ("publicity", 404), ("nobody", 404)])
def test_reveal_refused(client, tree, users, who, code):
    client.force_login(getattr(users, who))
    detail = client.get(reverse("members:detail", args=[tree.alice.pk]))
    assert reverse("members:reveal", args=[tree.alice.pk]) not in detail.content.decode()
    response = client.post(reverse("members:reveal", args=[tree.alice.pk]))
    assert response.status_code == code
    assert tree.alice.person.id_number not in response.content.decode()
    assert tree.alice.person.phone not in response.content.decode()
    assert not AuditEvent.objects.filter(action="member.pii_viewed").exists()


def test_reveal_needs_post(client, tree, users):
    client.force_login(users.secretary)
    assert client.get(reverse("members:reveal", args=[tree.alice.pk])).status_code == 405


# --- create ----------------------------------------------------------------------------------------

def test_create_member(client, tree, users):
    client.force_login(users.secretary)
    assert client.get(reverse("members:create")).status_code == 200
    response = client.post(reverse("members:create"), _new_data(tree.branch_a1))
    assert response.status_code == 302
    member = Member.objects.get(person__name="陈新民")
    assert response["Location"] == reverse("members:detail", args=[member.pk])
    assert member.organization == tree.branch_a1
    assert AuditEvent.objects.filter(action="member.created", target_id=str(member.pk)).exists()


def test_create_with_bad_id_checksum_shows_field_error_and_writes_nothing(client, tree, users):
    client.force_login(users.secretary)
    good = _new_data(tree.branch_a1)["id_number"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    members, events = Member.objects.count(), AuditEvent.objects.count()
    response = client.post(reverse("members:create"), _new_data(tree.branch_a1, id_number=bad))
    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors
    assert set(response.context["form"].errors) == {"id_number"}
    assert 'class="field-error"' in response.content.decode()
    assert Member.objects.count() == members and AuditEvent.objects.count() == events


def test_create_duplicate_id_action_error_lands_on_field(client, tree, users):
    client.force_login(users.secretary)
    assert client.post(reverse("members:create"), _new_data(tree.branch_a1)).status_code == 302
    # Same ID-card number again: the form is valid, the action refuses, the error lands on the field.
    response = client.post(reverse("members:create"), _new_data(tree.branch_a1, name="陈重复"))
    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors
    assert not Member.objects.filter(person__name="陈重复").exists()


def test_create_in_out_of_scope_org_refused(client, tree, users):
    client.force_login(users.secretary)
    response = client.post(reverse("members:create"), _new_data(tree.branch_b1))
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not Member.objects.filter(person__name="陈新民").exists()


@pytest.mark.parametrize("who", ["publicity", "discipline", "member", "nobody"])
def test_create_refused_without_add_permission(client, tree, users, who):
    client.force_login(getattr(users, who))
    assert client.get(reverse("members:create")).status_code == 403
    assert client.post(reverse("members:create"), _new_data(tree.branch_a1)).status_code == 403
    assert not Member.objects.filter(person__name="陈新民").exists()


# --- edit and history -------------------------------------------------------------------------------

def test_edit_writes_audit_diff_and_shows_in_history(client, tree, users):
    client.force_login(users.secretary)
    alice = tree.alice
    old_id = alice.person.id_number
    response = client.post(reverse("members:edit", args=[alice.pk]), _edit_data(alice, work_unit="甲镇农业合作社"))
    assert response.status_code == 302
    alice.person.refresh_from_db()
    assert alice.person.work_unit == "甲镇农业合作社"
    assert alice.person.id_number == old_id  # blank ID field keeps the stored number
    event = AuditEvent.objects.filter(action="member.updated", target_id=str(alice.pk)).get()
    assert event.after == {"work_unit": "甲镇农业合作社"} and event.before == {"work_unit": ""}
    html = client.get(reverse("members:detail", args=[alice.pk])).content.decode()
    assert "甲镇农业合作社" in html
    history = client.get(reverse("members:detail", args=[alice.pk])).context["history"]
    assert history[0].event.action == "member.updated"
    assert history[0].changes[0].after == "甲镇农业合作社"
    assert users.secretary.username in html


def test_edit_form_never_contains_full_numbers(client, tree, users):
    client.force_login(users.organizer)
    html = client.get(reverse("members:edit", args=[tree.alice.pk])).content.decode()
    assert tree.alice.person.id_number not in html and tree.alice.person.phone not in html
    assert tree.alice.person.id_number_masked in html


def test_edit_move_to_other_branch_shows_names_in_history(client, tree, users):
    client.force_login(users.organizer)
    response = client.post(reverse("members:edit", args=[tree.alice.pk]),
                           _edit_data(tree.alice, organization=tree.branch_a2.pk))
    assert response.status_code == 302
    history = client.get(reverse("members:detail", args=[tree.alice.pk])).context["history"]
    change = history[0].changes[0]
    assert (change.before, change.after) == (tree.branch_a1.name, tree.branch_a2.name)


def test_edit_action_error_lands_on_field(client, tree, users):
    client.force_login(users.secretary)
    # A full member without a full-membership date: the action refuses it, on that field.
    response = client.post(reverse("members:edit", args=[tree.alice.pk]), _edit_data(tree.alice, full_date=""))
    assert response.status_code == 200
    assert "full_date" in response.context["form"].errors
    assert not AuditEvent.objects.filter(action="member.updated").exists()


def test_edit_bad_phone_shows_field_error(client, tree, users):
    client.force_login(users.secretary)
    response = client.post(reverse("members:edit", args=[tree.alice.pk]), _edit_data(tree.alice, phone="12345"))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors


# --- status ----------------------------------------------------------------------------------------

def test_status_change_offers_only_legal_targets(client, tree, users):
    client.force_login(users.secretary)
    response = client.get(reverse("members:status", args=[tree.alice.pk]))
    choices = {v for v, _label in response.context["form"].fields["status"].choices}
    assert "full" not in choices and "probationary" not in choices and "suspended" in choices


def test_status_change(client, tree, users):
    client.force_login(users.secretary)
    url = reverse("members:status", args=[tree.bob.pk])
    response = client.post(url, {"status": "full", "reason": "支部大会通过转正", "on_date": "2024-07-01"})
    assert response.status_code == 302
    tree.bob.refresh_from_db()
    assert tree.bob.status == "full" and tree.bob.full_date == dt.date(2024, 7, 1)
    history = client.get(reverse("members:detail", args=[tree.bob.pk])).context["history"]
    assert history[0].event.action == "member.status_changed"
    assert history[0].event.reason == "支部大会通过转正"


def test_status_change_illegal_or_without_reason(client, tree, users):
    client.force_login(users.secretary)
    url = reverse("members:status", args=[tree.alice.pk])
    response = client.post(url, {"status": "probationary", "reason": "x"})
    assert "status" in response.context["form"].errors
    response = client.post(url, {"status": "suspended", "reason": ""})
    assert "reason" in response.context["form"].errors
    tree.alice.refresh_from_db()
    assert tree.alice.status == "full"


@pytest.mark.parametrize(("who", "code"), [("organizer", 403), ("discipline", 403), ("publicity", 404)])
def test_status_change_refused(client, tree, users, who, code):
    client.force_login(getattr(users, who))
    url = reverse("members:status", args=[tree.bob.pk])
    assert client.post(url, {"status": "full", "reason": "x"}).status_code == code
    tree.bob.refresh_from_db()
    assert tree.bob.status == "probationary"


def test_birth_date_shown_only_with_personal_data_right(client, tree, users):
    full = tree.alice.person.birth_date.strftime("%Y-%m-%d")
    client.force_login(users.organizer)
    html = client.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    assert full not in html and str(tree.alice.person.birth_date.year) in html
    html = client.get(reverse("members:edit", args=[tree.alice.pk])).content.decode()
    assert full not in html and 'name="birth_date"' not in html
    client.force_login(users.secretary)
    # Not beside the masked number even for a secretary: it comes with the full numbers (logged).
    assert full not in client.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    assert full in client.post(reverse("members:reveal", args=[tree.alice.pk])).content.decode()


def test_unicode_digits_in_org_parameter_do_not_crash(client, users):
    client.force_login(users.secretary)
    assert client.get(reverse("members:create"), {"org": "²"}).status_code == 200


def test_full_number_search_by_post_keeps_the_number_out_of_links(client, tree, users):
    client.force_login(users.secretary)
    full = tree.bob.person.id_number
    response = client.post(reverse("members:list"), {"q": full})
    assert [m.pk for m in response.context["members"]] == [tree.bob.pk]
    html = response.content.decode()
    assert f"q={full}" not in html and "q=" + full[:6] not in html
    assert response.context["filter_qs"] == ""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_full_number_search_is_posted(browser_page, live_server, users, tree):
    from dangjian.testing.browser import login
    from dangjian.testing.fixtures import PASSWORD

    page = browser_page
    login(page, live_server.url, "secretary-a1", PASSWORD)
    page.goto(f"{live_server.url}/members/")
    with page.expect_response(lambda r: "/members/" in r.url and r.request.method == "POST") as posted:
        page.fill("form.filters input[name=q]", tree.bob.person.id_number)
        page.press("form.filters input[name=q]", "Enter")
    assert posted.value.status == 200
    page.wait_for_load_state("networkidle")
    assert tree.bob.person.id_number not in page.url
    assert tree.bob.person.name in page.content()
    # A name search stays a shareable GET link.
    page.fill("form.filters input[name=q]", "zal")
    page.press("form.filters input[name=q]", "Enter")
    page.wait_for_load_state("networkidle")
    assert "q=zal" in page.url
