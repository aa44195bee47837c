"""Submitting the year-end tables upward, returning them, the level above's view of its children's
submissions and their consolidation, and the season's to-do (dates injected, never today's)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.core.models import AuditEvent, Notification
from dangjian.members.actions import do_update_member
from dangjian.stats import SubmissionStatus, todos
from dangjian.stats.actions import do_return_submission, do_submit_tables
from dangjian.stats.models import TableSubmission
from dangjian.stats.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 1, 10)


def test_a_branch_submits_its_tables_with_the_values_and_checks(county, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sub = do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    assert (sub.year, sub.as_of, sub.to_organization, sub.status) == (2025, AS_OF, county.town_a, "submitted")
    assert sub.values["members_basic"]["total"] == {"all": 3, "full": 1, "probationary": 2}
    assert sub.values["orgs_basic"]["terms_due"] == {"count": None}  # unavailable, kept as such
    assert sub.failed_checks == 0
    assert {c["key"]: c["status"] for c in sub.checks}["changes_identity"] == "ok"
    event = AuditEvent.objects.get(action="stats.tables_submitted")
    assert event.org_path == county.branch_a1.path
    # the town's organizer (stats.submit on town_a) is told
    assert Notification.objects.filter(recipient=users.organizer, kind="stats.tables_submitted").exists()


def test_a_year_is_submitted_once_until_returned(county, users):
    sub = do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    assert "year" in exc.value.message_dict
    returned = do_return_submission(sub, reason="女党员人数有误", acting_user=users.organizer)
    assert returned.status == SubmissionStatus.RETURNED and returned.return_reason == "女党员人数有误"
    assert AuditEvent.objects.filter(action="stats.tables_returned").count() == 1
    again = do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    assert again.pk != sub.pk
    assert TableSubmission.objects.filter(organization=county.branch_a1, year=2025).count() == 2


def test_checks_that_fail_need_a_note(county, users, root_user):
    do_update_member(county.alice, {"education": ""}, acting_user=root_user)
    with pytest.raises(ValidationError) as exc:
        do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    assert list(exc.value.message_dict) == ["note"]
    assert not TableSubmission.objects.exists()
    sub = do_submit_tables(county.branch_a1, note="张爱丽学历待核实", acting_user=users.secretary, today=TODAY)
    assert sub.failed_checks == 1 and sub.note == "张爱丽学历待核实"


def test_who_may_submit_and_return(county, users):
    with pytest.raises(PermissionDenied):
        do_submit_tables(county.branch_b1, acting_user=users.secretary, today=TODAY)
    with pytest.raises(PermissionDenied):
        do_submit_tables(county.branch_a1, acting_user=users.publicity, today=TODAY)  # stats.view only
    with pytest.raises(ValidationError) as exc:
        do_submit_tables(county.county, acting_user=users.admin, today=TODAY)
    assert "organization" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_submit_tables(county.branch_a1, as_of=dt.date(2026, 2, 1), acting_user=users.secretary, today=TODAY)
    assert "date" in exc.value.message_dict
    sub = do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    with pytest.raises(PermissionDenied):  # the branch itself cannot send its tables back
        do_return_submission(sub, reason="重报", acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_return_submission(sub, reason=" ", acting_user=users.organizer)
    assert "reason" in exc.value.message_dict


def test_the_level_above_sees_who_submitted_and_the_consolidation(client, county, users, root_user):
    do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    # after a2 submitted, a member of a2 is changed: the town's own number differs from the sum
    do_submit_tables(county.branch_a2, acting_user=root_user, today=TODAY)
    do_update_member(county.carol, {"sex": "female"}, acting_user=root_user)
    client.force_login(users.organizer)
    resp = client.get(reverse("stats:submissions") + f"?org={county.town_a.pk}&year=2025")
    assert resp.status_code == 200
    assert resp.context["submitted"] == 2
    assert [r["submission"] is not None for r in resp.context["rows"]] == [True, True]
    grids = {t.key: rows for t, rows in resp.context["grids"]}
    female = next(r for r in grids["members_basic"] if r["line"].key == "female")["cells"][0]
    assert (female["value"], female["other"], female["differs"]) == (3, 2, True)
    total = next(r for r in grids["members_basic"] if r["line"].key == "total")["cells"][0]
    assert (total["value"], total["other"], total["differs"]) == (4, 4, False)
    assert 'class="num differs"' in resp.content.decode()


def test_the_county_sees_a_town_that_has_not_submitted(client, county, users):
    do_submit_tables(county.town_a, acting_user=users.organizer, today=TODAY)
    client.force_login(users.admin)
    resp = client.get(reverse("stats:submissions") + f"?org={county.county.pk}&year=2025")
    status = {r["org"].pk: r["submission"] is not None for r in resp.context["rows"]}
    assert status == {county.town_a.pk: True, county.town_b.pk: False}
    assert "未上报" in resp.content.decode() or "Not submitted" in resp.content.decode()


def test_returning_from_the_submission_page(client, county, users):
    sub = do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    client.force_login(users.secretary)
    page = client.get(reverse("stats:submission", args=[sub.pk]))
    assert page.status_code == 200 and not page.context["may_return"]
    assert client.post(reverse("stats:submission", args=[sub.pk]), {"reason": "重新核对"}).status_code == 403
    client.force_login(users.organizer)
    bad = client.post(reverse("stats:submission", args=[sub.pk]), {"reason": "x"})
    assert bad.status_code == 200 and "reason" in bad.context["form"].errors
    ok = client.post(reverse("stats:submission", args=[sub.pk]), {"reason": "重新核对"})
    assert ok.status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RETURNED
    client.force_login(users.publicity)  # stats.view on town_a: may read, not return
    assert client.get(reverse("stats:submission", args=[sub.pk])).status_code == 200
    other = do_submit_tables(county.branch_b1, acting_user=users.admin, today=TODAY)
    assert client.get(reverse("stats:submission", args=[other.pk])).status_code == 404


def test_submitting_from_the_tables_page(client, county, users):
    client.force_login(users.secretary)
    url = reverse("stats:tables") + f"?org={county.branch_a1.pk}&date=2025-12-31"
    assert client.get(url).context["may_submit"]
    resp = client.post(url, {"date": "2025-12-31", "note": ""})
    assert resp.status_code == 302
    assert TableSubmission.objects.get().organization == county.branch_a1
    page = client.get(url)
    assert not page.context["may_submit"] and page.context["submission"].status == "submitted"


def test_the_season_to_do(county, users):
    assert todos.season(dt.date(2026, 1, 10)) == (2025, dt.date(2026, 1, 31))
    assert todos.season(dt.date(2026, 4, 1)) is None
    # the branch: its own tables
    [item] = todos.items(users.secretary, 10, today=TODAY)
    assert item.due == dt.date(2026, 1, 31) and not item.urgent and f"org={county.branch_a1.pk}" in item.url
    # the town: its own tables, and two branches below not submitted
    items = todos.items(users.organizer, 10, today=dt.date(2026, 2, 3))
    assert len(items) == 2 and all(i.urgent for i in items)
    do_submit_tables(county.branch_a1, acting_user=users.secretary, today=TODAY)
    assert todos.items(users.secretary, 10, today=TODAY) == []
    [own, below] = todos.items(users.organizer, 10, today=TODAY)
    assert own.ref.startswith("stats.submit:") and below.ref.startswith("stats.children:")
    assert "1" in below.title and "2" in below.title
    # the county (no level above): only its towns
    [county_item] = todos.items(users.admin, 10, today=TODAY)
    assert county_item.ref == f"stats.children:{county.county.pk}:2025"
    assert todos.count(users.admin, today=dt.date(2026, 5, 1)) == 0
    assert todos.items(users.publicity, 10, today=TODAY) == []


def test_the_deadline_is_a_setting(settings):
    settings.STATS_TABLES_DEADLINE = "04-15"
    assert todos.season(dt.date(2026, 4, 10)) == (2025, dt.date(2026, 4, 15))
    assert todos.season(dt.date(2026, 4, 16)) is None
