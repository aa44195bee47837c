"""Alerts: evaluating the organizations' rules against what a run found (at the end of every full
run) and against a duplicate group that grew on the arrival of a new text. Idempotent: an alert
is one per rule, subject and threshold (a unique constraint), so evaluating twice — or a group
growing further — never raises it again. The responsible department (where most of the texts'
cases ended, from the routing histories the text sources give) is notified after the commit.
Called by the system (``runner``, ``actions.analyse_new_text``), not by a user."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.cases import MemberRole
from dangjian.cases.models import Department, DepartmentMember
from dangjian.core import audit
from dangjian.core.notifications import notify
from dangjian.insight.models import (
    Alert,
    AlertKind,
    AlertRule,
    DuplicateGroup,
    Run,
    TextAnalysis,
    Topic,
)

NOTIFY_ROLES = (MemberRole.HEAD, MemberRole.HANDLER)


def rules_for(run: Run, kind: str) -> list[AlertRule]:
    """The active rules of the run's organization and of the organizations above it."""
    ancestors = [run.org_path[:i] for i in range(4, len(run.org_path) + 1, 4)] or [run.org_path]
    return list(AlertRule.objects.filter(kind=kind, active=True, org_path__in=ancestors).order_by("org_path"))


def responsible_department(histories: Iterable[list[str]]) -> str:
    """The department most of the texts' cases ended with (ties: the first name in order)."""
    counts = Counter(h[-1] for h in histories if h)
    if not counts:
        return ""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def find_department(name: str, org_path: str) -> Department | None:
    """The active department of that name, the one inside the run's subtree first."""
    if not name:
        return None
    found = list(Department.objects.filter(name=name, is_active=True).order_by("-org_path", "pk")[:20])
    return next((d for d in found if d.org_path.startswith(org_path)), found[0] if found else None)


def _raise(rule: AlertRule, run: Run, *, subject: str, title: str, value: float, histories: Iterable[list[str]],
           topic: Topic | None = None, group: DuplicateGroup | None = None) -> Alert | None:
    if Alert.objects.filter(rule=rule, subject=subject, threshold=rule.threshold).exists():
        return None
    name = responsible_department(histories)
    department = find_department(name, run.org_path)
    try:
        with transaction.atomic():
            alert = Alert.objects.create(rule=rule, run=run, org_path=run.org_path, kind=rule.kind, subject=subject,
                                         topic=topic, duplicate_group=group, title=title[:200], value=value,
                                         threshold=rule.threshold, department_name=name, department=department)
            audit.record(None, "insight_alert.raised", alert, org_path=run.org_path,
                         after={"rule": rule.pk, "subject": subject, "value": value, "department": name})
    except IntegrityError:  # raised by a concurrent evaluation
        return None
    if department is not None:
        people = list(DepartmentMember.objects.filter(department=department, role__in=NOTIFY_ROLES)
                      .values_list("user_id", flat=True))
        url = reverse("insight:alert", args=[alert.pk])
        body = _("Responsible department: %(dept)s.") % {"dept": department.name}
        transaction.on_commit(lambda: notify(sorted(set(people)), "insight.alert", title=alert.title, body=body,
                                             url=url), robust=True)
    return alert


def _histories(qs: Q) -> list[list[str]]:
    return list(TextAnalysis.objects.filter(qs).exclude(departments=[]).values_list("departments", flat=True))


def evaluate_run(run: Run) -> list[Alert]:
    """Every rule covering ``run`` against its live topics and duplicate groups."""
    raised: list[Alert] = []
    growth_rules = rules_for(run, AlertKind.GROWTH)
    if growth_rules:
        topics = list(run.topics.filter(merged_into__isnull=True).order_by("number"))
        for rule in growth_rules:
            for t in topics:
                if t.growth >= rule.threshold and t.recent >= rule.min_texts:
                    title = _("Topic “%(label)s” grew %(growth)s times (%(recent)s texts in 30 days)") % {
                        "label": t.label, "growth": f"{t.growth:.1f}", "recent": t.recent}
                    alert = _raise(rule, run, subject=f"topic:{t.pk}", title=title, value=t.growth, topic=t,
                                   histories=_histories(Q(topic=t) | Q(topic__merged_into=t)))
                    if alert:
                        raised.append(alert)
    for rule in rules_for(run, AlertKind.DUPLICATES):
        for group in run.duplicate_groups.filter(size__gte=rule.threshold).order_by("first_key"):
            alert = _group_alert(rule, run, group)
            if alert:
                raised.append(alert)
    return raised


def _group_alert(rule: AlertRule, run: Run, group: DuplicateGroup) -> Alert | None:
    first = TextAnalysis.objects.filter(run=run, key=group.first_key).values_list("text", flat=True).first() or ""
    title = _("%(n)s people raised the same problem: %(text)s") % {"n": group.size, "text": first[:60]}
    return _raise(rule, run, subject=f"group:{group.first_key}", title=title, value=group.size, group=group,
                  histories=_histories(Q(duplicate_group=group)))


def evaluate_group(run: Run, group_id: int) -> Alert | None:
    """A duplicate group grew on the arrival of a new text: has it passed a rule's size?"""
    group = DuplicateGroup.objects.filter(pk=group_id).first()
    if group is None:
        return None
    for rule in rules_for(run, AlertKind.DUPLICATES):
        if group.size >= rule.threshold:
            alert = _group_alert(rule, run, group)
            if alert:
                return alert
    return None
