"""Reads for members. The only way to reach a member record (DESIGN.md §4 rules 2–3)."""

from __future__ import annotations

import os
import re
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from dangjian.core import crypto, validators
from dangjian.core.scoping import get_scoped_or_404, in_scope, scoped, subtree_q
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member

_DIGITS = re.compile(r"^\d+[xX]?$")  # visible digits of a masked ID (may end in the X check digit)
_LETTERS = re.compile(r"^[a-zA-Z]+$")


def _own(user: Any) -> Q | None:
    return Q(person__user=user) if getattr(user, "is_authenticated", False) else None


def members_for(user: Any, perm: str = "members.view") -> QuerySet[Member]:
    """Members ``user`` may see: their scope's subtrees, plus their own record."""
    qs = Member.objects.select_related("person", "organization", "party_group")
    return scoped(qs, user, perm, path_field="org_path", extra=_own(user))


def access_member(user: Any, member_id: Any, perm: str = "members.view") -> Member:
    qs = Member.objects.select_related("person", "organization", "party_group")
    return get_scoped_or_404(qs, user, perm, path_field="org_path", extra=_own(user), pk=member_id)


def can_view_pii(user: Any, member: Member) -> bool:
    return in_scope(user, "members.view_pii", member.org_path)


def search(qs: QuerySet[Member], q: str) -> QuerySet[Member]:
    """Search by name, pinyin or initials, full ID number or phone (exact, via HMAC digest), or
    the visible parts of a masked ID/phone (first or last digits)."""
    q = (q or "").strip()
    if not q:
        return qs
    id_candidate = validators.normalize_id_number(q)
    if len(id_candidate) == 18:
        return qs.filter(person__id_number_digest=crypto.digest(id_candidate, purpose="id"))
    phone = validators.normalize_phone(q)
    if validators.PHONE_RE.match(phone):
        return qs.filter(person__phone_digest=crypto.digest(phone, purpose="phone"))
    if _DIGITS.match(q) and len(q) <= 6:
        q = q.upper()
        return qs.filter(
            Q(person__id_number_masked__endswith=q) | Q(person__phone_masked__endswith=q)
            | Q(person__id_number_masked__startswith=q)
        )
    if _LETTERS.match(q):
        low = q.lower()
        return qs.filter(Q(person__name_initials__startswith=low) | Q(person__name_pinyin__startswith=low))
    return qs.filter(person__name__contains=q)


def filter_members(qs: QuerySet[Member], *, org_path: str | None = None, status: str | None = None,
                   category: str | None = None, q: str | None = None) -> QuerySet[Member]:
    if org_path:
        qs = qs.filter(subtree_q(org_path, "org_path"))
    if status == "current":
        qs = qs.filter(status__in=CURRENT_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    return search(qs, q or "")


def subtree_member_counts(paths: list[str]) -> dict[str, int]:
    """Current members under each path's subtree, in one query when the paths share a depth."""
    if not paths:
        return {}
    counts: dict[str, int] = dict.fromkeys(paths, 0)
    by_len: dict[int, list[str]] = {}
    for p in paths:
        by_len.setdefault(len(p), []).append(p)
    for length, group in by_len.items():
        common = os.path.commonprefix(group)
        q = subtree_q(common, "org_path") if common else Q()
        rows = (
            Member.objects.filter(q, status__in=CURRENT_STATUSES)
            .annotate(prefix=Substr("org_path", 1, length))
            .values("prefix")
            .annotate(n=Count("id"))
        )
        for row in rows:
            if row["prefix"] in counts:
                counts[row["prefix"]] = row["n"]
    return counts


def subtree_member_count(path: str) -> int:
    return Member.objects.filter(subtree_q(path, "org_path"), status__in=CURRENT_STATUSES).count()
