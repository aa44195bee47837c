"""Alerts: rules (validation naming the field, permission), evaluation at the end of a full run
and on the arrival of a duplicate (once per topic/group and threshold), the responsible
department from the routing histories notified, the alerts page with masked texts, an incident
case opened from an alert in the case engine and linked back, the to-do, the API."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.cases import MemberRole
from dangjian.cases.actions import do_add_department_member, do_create_department
from dangjian.cases.models import Case
from dangjian.core.audit import AuditEvent
from dangjian.core.models import Notification
from dangjian.core.roles import Role
from dangjian.core.todos import todos_for
from dangjian.insight.actions import analyse_new_text, do_save_alert_rule
from dangjian.insight.alerting import evaluate_run
from dangjian.insight.evalset import generate
from dangjian.insight.models import Alert, AlertKind, AlertRule, AlertState, TextAnalysis
from dangjian.insight.tests.conftest import EvalSource
from dangjian.insight.tests.test_runs import start
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def recent_source(tree: Any) -> Iterator[EvalSource]:
    """The evaluation texts moved in time so the newest was sent yesterday (growth is counted
    against the run's start: the growing topics grow whatever today's date)."""
    from dangjian.core.hooks import TextSource, register_text_source, unregister_text_source

    source = EvalSource(tree, generate(800, seed=23))
    shift = timezone.now() - timedelta(days=1) - max(r["created_at"] for r in source.rows)
    for row in source.rows:
        row["created_at"] += shift
    register_text_source(TextSource("eval", "eval", source.batches, order=1))
    yield source
    unregister_text_source("eval")


@pytest.fixture
def departments(tree: Any, users: Any, root_user: Any, recent_source: EvalSource) -> Any:
    """A department for every name in the routing histories, one handler in all of them."""
    handler = make_user("dept-handler", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    names = sorted({d for row in recent_source.rows for d in row["departments"]})
    depts = {}
    for name in names:
        depts[name] = do_create_department({"name": name, "organization": tree.county}, acting_user=users.admin)
        do_add_department_member(depts[name], handler, MemberRole.HANDLER, acting_user=users.admin)
    return handler, depts


def _responsible(alert: Alert) -> str:
    from dangjian.insight.alert_selectors import alert_texts

    finals = Counter(t.departments[-1] for t in alert_texts(alert) if t.departments)
    return sorted(finals.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def test_rules_are_validated_naming_the_field(tree, users):
    with pytest.raises(ValidationError) as bad:
        do_save_alert_rule(tree.county, kind=AlertKind.GROWTH, threshold="1.0", acting_user=users.admin)
    assert list(bad.value.message_dict) == ["threshold"]
    with pytest.raises(ValidationError) as bad:
        do_save_alert_rule(tree.county, kind=AlertKind.DUPLICATES, threshold="2.5", min_texts="0",
                           acting_user=users.admin)
    assert set(bad.value.message_dict) == {"threshold", "min_texts"}
    with pytest.raises(ValidationError) as bad:
        do_save_alert_rule(tree.county, kind="volume", threshold="3", acting_user=users.admin)
    assert list(bad.value.message_dict) == ["kind"]
    with pytest.raises(PermissionDenied):
        do_save_alert_rule(tree.town_a, kind=AlertKind.GROWTH, threshold="2", acting_user=users.publicity)
    rule = do_save_alert_rule(tree.county, kind=AlertKind.GROWTH, threshold="2", min_texts="5", acting_user=users.admin)
    again = do_save_alert_rule(tree.county, kind=AlertKind.GROWTH, threshold="3", acting_user=users.admin)
    assert again.pk == rule.pk and again.threshold == 3.0  # one rule of a kind per organization
    assert AuditEvent.objects.filter(action="insight_alert_rule.saved").count() == 2
    # the page's form, with the error named
    c = Client()
    c.force_login(users.admin)
    answer = c.post(reverse("insight:alert_rule_save"), {"organization": tree.county.pk, "kind": "growth",
                                                          "threshold": "abc", "min_texts": "5"}, follow=True)
    assert "1.1" in answer.content.decode()
    assert AlertRule.objects.get(pk=rule.pk).threshold == 3.0  # nothing half-written


def test_a_run_raises_each_alert_once_to_the_responsible_department(
        tree, users, recent_source, departments, django_capture_on_commit_callbacks):
    handler, depts = departments
    do_save_alert_rule(tree.county, kind=AlertKind.GROWTH, threshold="2", min_texts="5", acting_user=users.admin)
    do_save_alert_rule(tree.county, kind=AlertKind.DUPLICATES, threshold="4", acting_user=users.admin)
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    growth = list(Alert.objects.filter(run=run, kind=AlertKind.GROWTH))
    groups = list(Alert.objects.filter(run=run, kind=AlertKind.DUPLICATES))
    assert growth and groups
    assert all(a.topic.growth >= 2 and a.topic.recent >= 5 for a in growth)
    live = run.topics.filter(merged_into__isnull=True)
    assert {a.topic_id for a in growth} == {t.pk for t in live if t.growth >= 2 and t.recent >= 5}
    assert {a.duplicate_group_id for a in groups} == set(run.duplicate_groups.filter(size__gte=4).values_list("pk", flat=True))
    for alert in growth + groups:
        assert alert.state == AlertState.OPEN and alert.department_name == _responsible(alert)
        assert alert.department == depts[alert.department_name]
    notes = Notification.objects.filter(recipient=handler, kind="insight.alert")
    assert {n.url for n in notes} == {reverse("insight:alert", args=[a.pk]) for a in growth + groups}
    assert AuditEvent.objects.filter(action="insight_alert.raised").count() == len(growth) + len(groups)
    # evaluating again raises nothing new
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_run(run) == []
    assert Alert.objects.count() == len(growth) + len(groups)
    assert notes.count() == len(growth) + len(groups)
    # on arrival: a new voice takes the biggest group past a higher threshold — once
    biggest = run.duplicate_groups.order_by("-size", "first_key").first()
    do_save_alert_rule(tree.county, kind=AlertKind.DUPLICATES, threshold=str(biggest.size + 1), acting_user=users.admin)
    first_id = int(biggest.first_key.split(":")[1])
    row = next(r for r in recent_source.rows if r["id"] == first_id)
    for n in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            found = analyse_new_text("eval", {**row, "id": 90000 + n, "created_at": timezone.now()})
        assert found is not None and found["duplicates"]
    late = Alert.objects.get(kind=AlertKind.DUPLICATES, threshold=biggest.size + 1)
    assert late.duplicate_group_id == biggest.pk and late.value == biggest.size + 1
    assert TextAnalysis.objects.filter(duplicate_group=biggest).count() == biggest.size + 2


def test_alert_page_incident_case_todo_and_api(tree, users, recent_source, departments,
                                               django_capture_on_commit_callbacks, django_assert_max_num_queries):
    handler, depts = departments
    do_save_alert_rule(tree.county, kind=AlertKind.DUPLICATES, threshold="3", acting_user=users.admin)
    run = start(tree.county, users.admin, django_capture_on_commit_callbacks)
    alerts = list(Alert.objects.filter(run=run).order_by("pk"))
    assert len(alerts) >= 3
    alert = alerts[0]
    admin = Client()
    admin.force_login(users.admin)
    with django_assert_max_num_queries(16) as few:
        listing = admin.get(reverse("insight:alerts")).content.decode()
    assert "alert-list" in listing and alert.title in listing
    for extra in alerts[1:]:
        Alert.objects.create(rule=extra.rule, run=run, org_path=run.org_path, kind=extra.kind,
                             subject=extra.subject + "-copy", title=extra.title, value=extra.value, threshold=99,
                             department_name=extra.department_name, department=extra.department)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin.get(reverse("insight:alerts"))
    page = admin.get(reverse("insight:alert", args=[alert.pk])).content.decode()
    assert "alert-texts" in page and 'id="open-incident"' in page
    assert f'<option value="{alert.department_id}" selected>' in page
    # the to-do of the analyst
    assert any(t.ref == f"insight_alert:{alert.pk}" for t in todos_for(users.admin, sources=["insight.alerts"]).items)
    # the responsible department sees the alert it was sent, not the analysts' others; others: 404
    dept_client = Client()
    dept_client.force_login(handler)
    assert dept_client.get(reverse("insight:alert", args=[alert.pk])).status_code == 200
    assert 'id="open-incident"' not in dept_client.get(reverse("insight:alert", args=[alert.pk])).content.decode()
    town = Client()
    town.force_login(users.publicity)  # insight.view on town A only; the run is the county's
    assert town.get(reverse("insight:alert", args=[alert.pk])).status_code == 404
    # open the incident case from the alert
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(reverse("insight:alert_case", args=[alert.pk]),
                            {"lead_department": alert.department_id, "hours": "12", "title": ""})
    assert answer.status_code == 302
    alert.refresh_from_db()
    case = Case.objects.get(pk=alert.case_id)
    assert alert.state == AlertState.CASE_OPENED and case.source_kind == "incident"
    assert case.lead_department_id == alert.department_id and case.title == alert.title[:200]
    assert "13912345678" not in case.summary
    assert AuditEvent.objects.filter(action="insight_alert.case_opened", target_id=str(alert.pk)).exists()
    assert case.number in admin.get(reverse("insight:alert", args=[alert.pk])).content.decode()
    again = admin.post(reverse("insight:alert_case", args=[alert.pk]), {"lead_department": alert.department_id},
                       follow=True)
    assert Case.objects.filter(source_kind="incident").count() == 1 and again.status_code == 200
    assert not any(t.ref == f"insight_alert:{alert.pk}" for t in todos_for(users.admin, sources=["insight.alerts"]).items)
    # dismissing needs a reason
    other = alerts[1]
    admin.post(reverse("insight:alert_dismiss", args=[other.pk]), {"note": ""})
    assert Alert.objects.get(pk=other.pk).state == AlertState.OPEN
    admin.post(reverse("insight:alert_dismiss", args=[other.pk]), {"note": "已在处理"})
    assert Alert.objects.get(pk=other.pk).state == AlertState.DISMISSED
    # API: the list and opening a case
    body = admin.get("/api/v1/insight/alerts?state=all&page_size=2").json()
    assert body["count"] == Alert.objects.count() and len(body["items"]) == 2
    assert admin.get("/api/v1/insight/alerts?state=case").json()["items"][0]["case"] == case.number
    third = alerts[2]
    answer = admin.post(f"/api/v1/insight/alerts/{third.pk}/case", {"lead_department": third.department_id},
                        content_type="application/json")
    assert answer.status_code == 200 and answer.json()["state"] == "case" and answer.json()["case"]
    refused = admin.post(f"/api/v1/insight/alerts/{third.pk}/case", {"lead_department": third.department_id},
                         content_type="application/json")
    assert refused.status_code == 422
    assert town.get("/api/v1/insight/alerts?state=all").json()["count"] == 0
