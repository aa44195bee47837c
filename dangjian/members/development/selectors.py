"""Reads of the development pipeline, always scoped (out of scope is a 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core.scoping import get_scoped_or_404, in_scope, scoped, subtree_q
from dangjian.members.development import STAGE_ORDER, FileStatus
from dangjian.members.development.models import ApplicantFile, StepDocument, StepRecord
from dangjian.orgs.models import Organization

PERM = "development.view"


def _own(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Q(person__user=user)


def files_for(user: Any, perm: str = PERM) -> QuerySet[ApplicantFile]:
    qs = ApplicantFile.objects.select_related("person", "organization").defer("person__id_number", "person__phone")
    return scoped(qs, user, perm, path_field="org_path")


def access_file(user: Any, file_id: Any, perm: str = PERM) -> ApplicantFile:
    """One file the user may see (staff scope, or the applicant's own file when ``perm`` is view)."""
    qs = ApplicantFile.objects.select_related("person", "organization", "member")
    return get_scoped_or_404(qs, user, perm, path_field="org_path", extra=_own(user) if perm == PERM else None,
                             pk=file_id)


def filter_files(qs: QuerySet[ApplicantFile], *, org_path: str | None = None, stage: str | None = None,
                 status: str | None = None, overdue: bool = False, today: dt.date | None = None,
                 q: str = "") -> QuerySet[ApplicantFile]:
    if org_path:
        qs = qs.filter(subtree_q(org_path, "org_path"))
    if stage:
        qs = qs.filter(stage=stage)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=FileStatus.ACTIVE, next_due_on__lt=today or timezone.localdate())
    if q:
        qs = qs.filter(person__name__contains=q.strip())
    return qs


def timeline(f: ApplicantFile) -> list[StepRecord]:
    return list(f.records.select_related("recorded_by").prefetch_related("people", "documents")
                .order_by("step", "date", "pk"))


@dataclass
class StageRow:
    stage: str
    label: Any
    count: int


@dataclass
class Dashboard:
    org: Organization
    stages: list[StageRow]
    active: int
    overdue_count: int
    overdue: list[ApplicantFile]
    children: list[dict[str, Any]] = field(default_factory=list)


def dashboard(org: Organization, *, today: dt.date | None = None, overdue_limit: int = 50) -> Dashboard:
    """Counts per stage in ``org``'s subtree and per child organization, and who is overdue.
    Four queries whatever the size of the subtree."""
    today = today or timezone.localdate()
    active = ApplicantFile.objects.filter(subtree_q(org.path, "org_path"), status=FileStatus.ACTIVE)
    child_orgs = list(Organization.objects.filter(subtree_q(org.path), depth=org.depth + 1).order_by("path"))
    by_path = dict.fromkeys((c.path for c in child_orgs), None)
    rows = {c.path: {"org": c, **{s.value: 0 for s in STAGE_ORDER}, "total": 0} for c in child_orgs}
    per_stage: dict[str, int] = {}
    if child_orgs:
        # One pass, grouped by the child's path prefix in SQL: one row per (child, stage) however
        # many branches hold files (grouping by the full path returned one row per branch), and
        # the per-stage totals are the sums (files of ``org`` itself group under its own path).
        width = (org.depth + 1) * Organization.steplen
        grouped = (active.annotate(child=Substr("org_path", 1, width))
                   .values_list("child", "stage").annotate(n=Count("pk")).order_by())
        for key, stage, n in grouped:
            per_stage[stage] = per_stage.get(stage, 0) + n
            if key in by_path:
                rows[key][stage] += n
                rows[key]["total"] += n
    else:
        per_stage = dict(active.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    stages = [StageRow(s.value, s.label, per_stage.get(s.value, 0)) for s in STAGE_ORDER]
    overdue_qs = active.filter(next_due_on__lt=today)
    overdue = list(overdue_qs.select_related("person", "organization").defer("person__id_number", "person__phone")
                   .order_by("next_due_on", "pk")[:overdue_limit])
    return Dashboard(org=org, stages=stages, active=sum(per_stage.values()), overdue_count=overdue_qs.count(),
                     overdue=overdue, children=list(rows.values()))


def public_notices(today: dt.date | None = None) -> QuerySet[ApplicantFile]:
    """Notices running today: published and not yet ended (withdrawn automatically after)."""
    today = today or timezone.localdate()
    return (ApplicantFile.objects.select_related("person", "organization")
            .defer("person__id_number", "person__phone")
            .filter(status=FileStatus.ACTIVE, notice_starts_on__lte=today, notice_ends_on__gte=today)
            .order_by("notice_starts_on", "pk"))


def public_notice(token: str, today: dt.date | None = None) -> ApplicantFile | None:
    return public_notices(today).filter(notice_token=token).first()


def masked_name(name: str) -> str:
    """Surname kept, given name masked: 张爱丽 → 张**."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def own_files(user: Any) -> list[ApplicantFile]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ApplicantFile.objects.filter(person__user=user).select_related("organization").order_by("-pk")[:3])


def sees_own_application(user: Any) -> bool:
    """Whether "My application" belongs in ``user``'s navigation: someone not (yet) a party
    member, or anyone with an applicant file of their own."""
    from dangjian.core.ownmember import own_member

    return own_member(user) is None or bool(own_files(user))


def can_manage(user: Any, f: ApplicantFile) -> bool:
    return in_scope(user, "development.manage", f.org_path)


def records_prefetch() -> Prefetch:
    return Prefetch("records", queryset=StepRecord.objects.order_by("step", "date", "pk"))




def branch_member_choices(f: ApplicantFile, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of the full members of the file's branch: mentors and sponsors come from here."""
    from dangjian.members import MemberStatus
    from dangjian.members.models import Member

    rows = (Member.objects.filter(org_path=f.org_path, status=MemberStatus.FULL)
            .values_list("pk", "person__name").order_by("person__name_pinyin", "pk")[:limit])
    return list(rows)


def access_upload(f: ApplicantFile, doc_id: Any) -> StepDocument:
    """An uploaded document of a file the caller already reached through ``access_file``."""
    from django.http import Http404

    doc = StepDocument.objects.filter(pk=doc_id, record__file=f).first()
    if doc is None:
        raise Http404
    return doc
