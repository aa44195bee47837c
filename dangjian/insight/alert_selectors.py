"""Reads of alerts and routing figures. Analysts see the alerts of their subtree (``insight.view``
on the run's ``org_path``); the people of an alert's responsible department (heads and handlers)
see that alert too — it was sent to them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dangjian.cases.models import DepartmentMember
from dangjian.core.scoping import get_scoped_or_404, scoped
from dangjian.insight.alerting import NOTIFY_ROLES
from dangjian.insight.models import Alert, AlertRule, AlertState, RoutingDecision, Run, TextAnalysis

VIEW = "insight.view"


def _department_q(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    ids = list(DepartmentMember.objects.filter(user=user, role__in=NOTIFY_ROLES).values_list("department_id", flat=True))
    return Q(department_id__in=ids) if ids else None


def alerts_for(user: Any, state: str | None = None) -> QuerySet[Alert]:
    qs = scoped(Alert.objects.select_related("department", "case"), user, VIEW, path_field="org_path",
                extra=_department_q(user))
    return qs.filter(state=state) if state else qs


def access_alert(user: Any, alert_id: Any) -> Alert:
    return get_scoped_or_404(Alert.objects.select_related("department", "case", "topic", "run"), user, VIEW,
                             path_field="org_path", extra=_department_q(user), pk=alert_id)


def alert_texts(alert: Alert) -> QuerySet[TextAnalysis]:
    """The texts behind the alert (masked): the topic's (merged ones included) or the group's."""
    if alert.topic_id:
        return (TextAnalysis.objects.filter(Q(topic_id=alert.topic_id) | Q(topic__merged_into_id=alert.topic_id))
                .order_by("-similarity", "id"))
    if alert.duplicate_group_id:
        return TextAnalysis.objects.filter(duplicate_group_id=alert.duplicate_group_id).order_by("created_at", "id")
    return TextAnalysis.objects.none()


def rules_visible(user: Any) -> QuerySet[AlertRule]:
    return scoped(AlertRule.objects.select_related("organization"), user, VIEW, path_field="org_path")


def open_alerts(user: Any) -> QuerySet[Alert]:
    """The to-do: open alerts of the analyst's subtree (not the department's: it gets the case)."""
    return scoped(Alert.objects.filter(state=AlertState.OPEN), user, VIEW, path_field="org_path")


def redispatch_rates(run: Run | None) -> dict[str, Any]:
    """Re-dispatch (a case handed to another department after its first one) before and after the
    dispatchers saw routing suggestions, from the routing histories of the run's texts. "After":
    texts whose assignment was recorded with suggestions shown; "before": the other routed texts.
    Three queries."""
    empty = {"routed": 0, "redispatched": 0, "rate": None}
    result: dict[str, Any] = {"run": run.pk if run else None, "before": dict(empty), "after": dict(empty),
                              "followed": dict(empty), "not_followed": dict(empty), "decisions": 0,
                              "followed_share": None}
    if run is None:
        return result
    decisions = dict(RoutingDecision.objects.filter(org_path__startswith=run.org_path).exclude(suggested=[])
                     .values_list("key", "followed"))
    result["decisions"] = len(decisions)
    if decisions:
        result["followed_share"] = round(sum(decisions.values()) / len(decisions), 4)
    rows = TextAnalysis.objects.filter(run=run).exclude(departments=[]).values_list("key", "departments")
    for key, departments in rows.iterator(chunk_size=5000):
        moved = len(departments) > 1
        buckets = ["before"]
        if key in decisions:
            buckets = ["after", "followed" if decisions[key] else "not_followed"]
        for b in buckets:
            result[b]["routed"] += 1
            result[b]["redispatched"] += int(moved)
    for b in ("before", "after", "followed", "not_followed"):
        r = result[b]
        r["rate"] = round(r["redispatched"] / r["routed"], 4) if r["routed"] else None
    return result
