"""Reads for members. The only way to reach a member record (DESIGN.md §4 rules 2–3)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from dangjian.core import crypto, validators
from dangjian.core.scoping import get_scoped_or_404, in_scope, next_prefix, prefix_q, scoped, subtree_q
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member

_DIGITS = re.compile(r"^\d+[xX]?$")  # visible digits of a masked ID (may end in the X check digit)
_LETTERS = re.compile(r"^[a-zA-Z]+$")


def _own(user: Any, perm: str) -> Q | None:
    """The user's own member record, unless their scope for ``perm`` already covers it.

    Matched by primary key (looked up once per request) rather than through a join on the person
    table, so a count over a large subtree stays an index range on ``org_path``."""
    if not getattr(user, "is_authenticated", False):
        return None
    own = user.__dict__.get("_dj_own_members")
    if own is None:
        own = list(Member.objects.filter(person__user=user).values_list("pk", "org_path"))
        user.__dict__["_dj_own_members"] = own
    ids = [pk for pk, path in own if not in_scope(user, perm, path)]
    return Q(pk__in=ids) if ids else None


def member_of_user(user: Any) -> Member | None:
    """The member record linked to ``user``'s account (via Person.user), or None.

    A member always sees their own record, so no scope filter is needed: the lookup goes
    straight down the Person.user index (through the scope filter it cost 20–35 ms per page for a
    county administrator at county scale, see docs/modules/orglife.md). Registered as the
    ``core.hooks`` own-member resolver; callers use ``core.ui.own_member`` (cached per request)."""
    return (Member.objects.select_related("person", "organization", "party_group")
            .filter(person__user_id=user.pk).first())


def members_for(user: Any, perm: str = "members.view") -> QuerySet[Member]:
    """Members ``user`` may see: their scope's subtrees, plus their own record."""
    qs = Member.objects.select_related("person", "organization", "party_group")
    return scoped(qs, user, perm, path_field="org_path", extra=_own(user, perm))


def without_plaintext(qs: QuerySet[Member]) -> QuerySet[Member]:
    """For lists that show masked numbers only: don't load (and decrypt) the ciphertext."""
    return qs.defer("person__id_number", "person__phone")


def access_member(user: Any, member_id: Any, perm: str = "members.view") -> Member:
    qs = Member.objects.select_related("person", "organization", "party_group")
    return get_scoped_or_404(qs, user, perm, path_field="org_path", extra=_own(user, perm), pk=member_id)


def can_view_pii(user: Any, member: Member) -> bool:
    return in_scope(user, "members.view_pii", member.org_path)


def full_number_kind(q: str) -> str | None:
    """"id" or "phone" when ``q`` is a complete ID-card or phone number (as search reads it)."""
    q = (q or "").strip()
    if len(validators.normalize_id_number(q)) == 18:
        return "id"
    if validators.PHONE_RE.match(validators.normalize_phone(q)):
        return "phone"
    return None


def _pii_scope(qs: QuerySet[Member], user: Any) -> QuerySet[Member]:
    """Exact matching on a full ID or phone number confirms a guess, so it is a disclosure: only
    members whose full numbers the user may see anyway (``members.view_pii``) can match.
    Otherwise the masked ID plus the birth date would let anyone confirm the ~9 possible numbers."""
    return scoped(qs, user, "members.view_pii", path_field="org_path", extra=_own(user, "members.view_pii"))


def search(qs: QuerySet[Member], q: str, *, user: Any) -> QuerySet[Member]:
    """Search by name, pinyin or initials, full ID number or phone (exact, via HMAC digest, within
    the user's ``members.view_pii`` scope), the visible parts of a masked ID/phone (first or
    last digits), or the last four digits of the ID number (within ``members.view_pii``)."""
    q = (q or "").strip()
    if not q:
        return qs
    kind = full_number_kind(q)
    if kind == "id":
        value = validators.normalize_id_number(q)
        return _pii_scope(qs, user).filter(person__id_number_digest=crypto.digest(value, purpose="id"))
    if kind == "phone":
        value = validators.normalize_phone(q)
        return _pii_scope(qs, user).filter(person__phone_digest=crypto.digest(value, purpose="phone"))
    if _DIGITS.match(q) and len(q) <= 6:
        q = q.upper()
        # The phone's mask keeps four digits at the end; the ID-card number's mask keeps two at
        # each end, and its last four (``id_number_tail``) only answer users who may see the number:
        # a match on hidden digits would disclose them.
        visible = Q(person__phone_masked__endswith=q)
        if len(q) <= crypto.ID_MASK_KEEP:
            visible |= Q(person__id_number_masked__endswith=q) | Q(person__id_number_masked__startswith=q)
        hits = qs.filter(visible)
        if len(q) <= 4:
            hits = hits | _pii_scope(qs, user).filter(person__id_number_tail__endswith=q)
        return hits
    if _LETTERS.match(q):
        low = q.lower()
        return qs.filter(prefix_q("person__name_initials", low) | prefix_q("person__name_pinyin", low))
    return qs.filter(person__name__contains=q)


def filter_members(qs: QuerySet[Member], *, user: Any, org_path: str | None = None, status: str | None = None,
                   category: str | None = None, q: str | None = None) -> QuerySet[Member]:
    if org_path:
        qs = qs.filter(subtree_q(org_path, "org_path"))
    if status == "current":
        qs = qs.filter(status__in=CURRENT_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    return search(qs, q or "", user=user)


def _count_sql(path: str, statuses: list[str]) -> tuple[str, list[Any]]:
    """One ``SELECT path, COUNT(*)`` over a subtree that the (org_path, status) index answers."""
    qn = connection.ops.quote_name
    table, col, st = qn(Member._meta.db_table), qn("org_path"), qn("status")
    marks = ", ".join(["%s"] * len(statuses))
    if connection.vendor == "sqlite":
        cond, params = f"{col} >= %s AND {col} < %s", [path, next_prefix(path)]
    else:
        escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        cond, params = f"{col} LIKE %s", [escaped + "%"]
    # Only quoted identifiers and placeholders are formatted in; every value is a parameter.
    sql = f"SELECT CAST(%s AS varchar(255)), COUNT(*) FROM {table} WHERE {cond} AND {st} IN ({marks})"  # noqa: S608
    return sql, [path, *params, *statuses]


def subtree_member_counts(paths: list[str]) -> dict[str, int]:
    """Current members under each path's subtree.

    One round trip per 200 paths: a UNION ALL of per-subtree counts, each an index-only range
    count. (A single GROUP BY over the parent's subtree reads every member row instead: 6× slower
    at 1M members.)"""
    unique = sorted(set(paths))
    counts: dict[str, int] = dict.fromkeys(unique, 0)
    statuses = sorted(str(s) for s in CURRENT_STATUSES)
    for start in range(0, len(unique), 200):
        parts = [_count_sql(p, statuses) for p in unique[start:start + 200]]
        sql = " UNION ALL ".join(part for part, _ in parts)
        params = [v for _, ps in parts for v in ps]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for path, n in cursor.fetchall():
                counts[path] = n
    return counts


def subtree_member_count(path: str) -> int:
    return Member.objects.filter(subtree_q(path, "org_path"), status__in=CURRENT_STATUSES).count()
