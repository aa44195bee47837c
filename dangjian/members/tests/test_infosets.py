"""Member info sets (posts, rewards/punishments, trips abroad, hardship, family): actions, views,
scope, audit, validation and the detail page's query bound."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.members.infoset_actions import do_add_info, do_remove_info, do_update_info, info_sets
from dangjian.members.infoset_forms import INFO_KINDS
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

VALID: dict[str, dict[str, Any]] = {
    "posts": {"title": "支部书记", "unit": "甲镇一村", "start_date": "2018-03-01", "is_party_post": "on"},
    "rewards": {"kind": "punishment", "kind_detail": "warning", "category": "党纪", "title": "党内警告处分",
                "decided_by": "甲镇纪委", "decided_on": "2020-05-06", "reason": "违反工作纪律"},
    "trips": {"destination": "新加坡", "purpose": "探亲", "depart_on": "2019-07-01", "return_on": "2019-07-20"},
    "hardship": {"kind": "illness", "description": "重病住院", "since": "2021-01-10", "assistance": "慰问金"},
    "family": {"name": "张父", "relation": "parent", "work_unit": "甲镇一村", "political_status": "群众"},
}
# A field shown on the detail page for each kind.
SHOWN = {"posts": "支部书记", "rewards": "党内警告处分", "trips": "新加坡", "hardship": "重病住院", "family": "张父"}

# (kind, bad data changes, field the error must name)
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
INVALID = [
    ("posts", {"start_date": TOMORROW}, "start_date"),
    ("posts", {"end_date": "2017-01-01"}, "end_date"),
    ("posts", {"title": ""}, "title"),
    ("rewards", {"decided_on": TOMORROW}, "decided_on"),
    ("rewards", {"kind": "reward", "kind_detail": "expulsion"}, "kind_detail"),
    ("rewards", {"kind": "bribe"}, "kind"),
    ("trips", {"return_on": "2019-06-30"}, "return_on"),
    ("trips", {"destination": ""}, "destination"),
    ("hardship", {"since": TOMORROW}, "since"),
    ("hardship", {"resolved_on": "2020-12-31"}, "resolved_on"),
    ("family", {"relation": "cousin"}, "relation"),
    ("family", {"name": ""}, "name"),
]


def _client(client: Any, user: Any) -> Any:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _add_url(member: Any, kind: str) -> str:
    return reverse("members:info_add", args=[member.pk, kind])


def _remove_url(record: Any, kind: str) -> str:
    return reverse("members:info_remove", args=[record.member_id, kind, record.pk])


def test_family_member_has_no_phone_field() -> None:
    model: Any = INFO_KINDS["family"].model
    assert "phone" not in {f.name for f in model._meta.get_fields()}
    assert "phone" not in INFO_KINDS["family"].form.base_fields


@pytest.mark.parametrize("kind", list(VALID))
def test_add_and_remove_through_actions(kind: str, tree: Any, users: Any) -> None:
    record = do_add_info(tree.alice, kind, VALID[kind], acting_user=users.secretary)
    assert [r.pk for r in info_sets(tree.alice)[kind]] == [record.pk]
    added = AuditEvent.objects.get(action="member.info_added")
    assert added.target_id == str(tree.alice.pk) and added.org_path == tree.alice.org_path
    after: dict = added.after or {}
    assert after["kind"] == kind and after["id"] == record.pk
    assert added.actor == users.secretary
    first = next(iter(VALID[kind]))
    assert first in after["fields"]

    pk = record.pk
    do_remove_info(record, acting_user=users.secretary)
    assert info_sets(tree.alice)[kind] == []
    removed = AuditEvent.objects.get(action="member.info_removed")
    before: dict = removed.before or {}
    assert before["kind"] == kind and before["id"] == pk
    assert before["fields"] == after["fields"]


def test_update_info_records_changed_fields(tree: Any, users: Any) -> None:
    record = do_add_info(tree.alice, "trips", VALID["trips"], acting_user=users.secretary)
    do_update_info(record, {**VALID["trips"], "purpose": "旅游"}, acting_user=users.secretary)
    record.refresh_from_db()
    assert record.purpose == "旅游"
    event = AuditEvent.objects.get(action="member.info_updated")
    assert event.after == {"kind": "trips", "id": record.pk, "fields": {"purpose": "旅游"}}
    with pytest.raises(ValidationError):
        do_update_info(record, {**VALID["trips"], "return_on": "2000-01-01"}, acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_update_info(record, VALID["trips"], acting_user=users.discipline)


@pytest.mark.parametrize(("kind", "changes", "field"), INVALID)
def test_action_validation_names_field_and_writes_nothing(kind: str, changes: dict, field: str, tree: Any,
                                                          users: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_add_info(tree.alice, kind, {**VALID[kind], **changes}, acting_user=users.secretary)
    assert field in exc.value.message_dict
    assert info_sets(tree.alice)[kind] == []
    assert not AuditEvent.objects.filter(action="member.info_added").exists()


@pytest.mark.parametrize(("kind", "changes", "field"), INVALID)
def test_view_validation_names_field_and_writes_nothing(kind: str, changes: dict, field: str, client: Any,
                                                        tree: Any, users: Any) -> None:
    c = _client(client, users.secretary)
    response = c.post(_add_url(tree.alice, kind), {**VALID[kind], **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}"' in response.content.decode()
    assert info_sets(tree.alice)[kind] == []
    assert not AuditEvent.objects.filter(action="member.info_added").exists()


def test_date_error_messages_name_the_field(tree: Any, users: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            do_add_info(tree.alice, "trips", {**VALID["trips"], "return_on": "2019-06-30"}, acting_user=users.secretary)
        assert exc.value.message_dict["return_on"] == ["Return date cannot be before Departure date."]
        with pytest.raises(ValidationError) as exc:
            do_add_info(tree.alice, "hardship", {**VALID["hardship"], "since": TOMORROW}, acting_user=users.secretary)
        assert exc.value.message_dict["since"] == ["Since cannot be in the future."]
    # Chinese by default, naming the same fields.
    with pytest.raises(ValidationError) as exc:
        do_add_info(tree.alice, "trips", {**VALID["trips"], "return_on": "2019-06-30"}, acting_user=users.secretary)
    assert exc.value.message_dict["return_on"] == ["回国（境）日期不能早于出境日期。"]


@pytest.mark.parametrize("kind", list(VALID))
def test_add_and_remove_through_views(kind: str, client: Any, tree: Any, users: Any) -> None:
    c = _client(client, users.secretary)
    assert c.get(_add_url(tree.alice, kind)).status_code == 200
    response = c.post(_add_url(tree.alice, kind), VALID[kind])
    assert response.status_code == 302
    assert response["Location"] == reverse("members:detail", args=[tree.alice.pk])
    [record] = info_sets(tree.alice)[kind]
    detail = c.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    assert SHOWN[kind] in detail
    assert _remove_url(record, kind) in detail

    assert c.get(_remove_url(record, kind)).status_code == 405  # removal is POST only
    response = c.post(_remove_url(record, kind))
    assert response.status_code == 302
    assert info_sets(tree.alice)[kind] == []
    assert AuditEvent.objects.filter(action="member.info_removed", target_id=str(tree.alice.pk)).count() == 1
    assert SHOWN[kind] not in c.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()


def test_secretary_scope(client: Any, tree: Any, users: Any) -> None:
    c = _client(client, users.secretary)
    assert c.post(_add_url(tree.alice, "family"), VALID["family"]).status_code == 302
    assert c.get(_add_url(tree.carol, "family")).status_code == 404
    assert c.post(_add_url(tree.carol, "family"), VALID["family"]).status_code == 404
    assert info_sets(tree.carol)["family"] == []
    carol_record = do_add_info(tree.carol, "family", VALID["family"], acting_user=users.organizer)
    assert c.post(_remove_url(carol_record, "family")).status_code == 404
    with pytest.raises(PermissionDenied):
        do_add_info(tree.carol, "family", VALID["family"], acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_remove_info(carol_record, acting_user=users.secretary)
    assert info_sets(tree.carol)["family"] == [carol_record]


def test_record_of_another_member_is_not_found(client: Any, tree: Any, users: Any) -> None:
    bob_record = do_add_info(tree.bob, "posts", VALID["posts"], acting_user=users.secretary)
    c = _client(client, users.secretary)
    # Bob's record through Alice's URL, or under the wrong kind: not found, nothing removed.
    assert c.post(reverse("members:info_remove", args=[tree.alice.pk, "posts", bob_record.pk])).status_code == 404
    assert c.post(reverse("members:info_remove", args=[tree.bob.pk, "trips", bob_record.pk])).status_code == 404
    assert info_sets(tree.bob)["posts"] == [bob_record]


def test_unknown_kind_is_not_found(client: Any, tree: Any, users: Any) -> None:
    c = _client(client, users.secretary)
    assert c.get(_add_url(tree.alice, "salary")).status_code == 404
    assert c.post(reverse("members:info_remove", args=[tree.alice.pk, "salary", 1])).status_code == 404
    with pytest.raises(Http404):
        do_add_info(tree.alice, "salary", {}, acting_user=users.secretary)


def test_organizer_may_add(client: Any, tree: Any, users: Any) -> None:
    c = _client(client, users.organizer)
    assert c.post(_add_url(tree.carol, "trips"), VALID["trips"]).status_code == 302
    assert len(info_sets(tree.carol)["trips"]) == 1


def test_discipline_officer_reads_but_may_not_write(client: Any, tree: Any, users: Any) -> None:
    record = do_add_info(tree.alice, "rewards", VALID["rewards"], acting_user=users.secretary)
    c = _client(client, users.discipline)
    detail = c.get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    assert "党内警告处分" in detail
    assert "data-add=" not in detail and "/remove/" not in detail
    assert c.get(_add_url(tree.alice, "rewards")).status_code == 403
    assert c.post(_add_url(tree.alice, "rewards"), VALID["rewards"]).status_code == 403
    assert c.post(_remove_url(record, "rewards")).status_code == 403
    assert c.get(_add_url(tree.dave, "rewards")).status_code == 404  # out of scope: not found
    assert len(info_sets(tree.alice)["rewards"]) == 1


def test_member_sees_own_records_without_add_links(client: Any, tree: Any, users: Any) -> None:
    do_add_info(tree.alice, "posts", VALID["posts"], acting_user=users.secretary)
    c = _client(client, users.member)
    detail = c.get(reverse("members:detail", args=[tree.alice.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "支部书记" in html
    assert "data-add=" not in html and "/remove/" not in html
    assert c.get(_add_url(tree.alice, "posts")).status_code == 403
    assert c.get(_add_url(tree.bob, "posts")).status_code == 404


def test_add_links_and_empty_states_for_editors(client: Any, tree: Any, users: Any) -> None:
    html = _client(client, users.secretary).get(reverse("members:detail", args=[tree.alice.pk])).content.decode()
    for kind in INFO_KINDS:
        assert f'href="{_add_url(tree.alice, kind)}"' in html
    assert html.count('class="empty"') >= len(INFO_KINDS)


def test_hardship_flag_shown_while_unresolved(client: Any, tree: Any, users: Any) -> None:
    c = _client(client, users.secretary)
    url = reverse("members:detail", args=[tree.alice.pk])
    assert 'data-flag="in-hardship"' not in c.get(url).content.decode()
    past = {**VALID["hardship"], "since": "2015-01-01", "resolved_on": "2016-01-01"}
    do_add_info(tree.alice, "hardship", past, acting_user=users.secretary)
    assert 'data-flag="in-hardship"' not in c.get(url).content.decode()
    current = do_add_info(tree.alice, "hardship", VALID["hardship"], acting_user=users.secretary)
    assert 'data-flag="in-hardship"' in c.get(url).content.decode()
    do_remove_info(current, acting_user=users.secretary)
    assert 'data-flag="in-hardship"' not in c.get(url).content.decode()


def _fill(member: Any, n: int, user: Any) -> None:
    for i in range(n):
        for kind, data in VALID.items():
            do_add_info(member, kind, {**data, "title": f"{data.get('title', '')}{i}"}, acting_user=user)


def test_detail_page_query_count_is_bounded(client: Any, tree: Any, users: Any,
                                            django_assert_max_num_queries: Any) -> None:
    c = _client(client, users.secretary)
    url = reverse("members:detail", args=[tree.alice.pk])
    _fill(tree.alice, 1, users.secretary)
    c.get(url)  # warm up session and caches
    with django_assert_max_num_queries(100) as ctx:
        c.get(url)
    baseline = len(ctx.captured_queries)
    _fill(tree.alice, 9, users.secretary)
    with django_assert_max_num_queries(baseline):
        response = c.get(url)
    assert response.content.decode().count("/remove/") == 10 * len(VALID)


def test_info_sets_selector_uses_one_query_per_kind(tree: Any, users: Any,
                                                    django_assert_max_num_queries: Any) -> None:
    _fill(tree.alice, 3, users.secretary)
    with django_assert_max_num_queries(len(INFO_KINDS)):
        sets = info_sets(tree.alice)
    assert {k: len(v) for k, v in sets.items()} == dict.fromkeys(INFO_KINDS, 3)


def test_future_trip_may_be_reported(tree: Any, users: Any) -> None:
    soon = timezone.localdate() + dt.timedelta(days=10)
    data = {**VALID["trips"], "depart_on": soon.isoformat(), "return_on": ""}
    record = do_add_info(tree.alice, "trips", data, acting_user=users.secretary)
    assert record.depart_on == soon and record.return_on is None
