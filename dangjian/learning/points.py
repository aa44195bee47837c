"""Points (积分, E5): reads. Off by default; see docs/modules/learning.md, "Points".

Which settings apply to a member: those of the nearest organization at or above the member's
organization that has settings of its own (taken as a whole — on/off, rankings and every rule);
with none, points are off. Crediting (``actions.credit_points``) takes only verified activity:
the honest progress of this module and attendance announced through ``core.hooks``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from dangjian.core.ownmember import own_member
from dangjian.core.scoping import subtree_q
from dangjian.learning.models import PointsEntry, PointsRule, PointsSettings, PointsTally
from dangjian.learning.selectors import ancestor_paths

#: Who may change an organization's points settings and open its ranking.
POINTS = "learning.points"
RANKING_SIZE = 50


@dataclass(frozen=True)
class Effective:
    """The settings that apply at ``path``: ``source`` is the organization's own settings or the
    nearest ones above it (None: nobody's, points off)."""

    path: str
    source: PointsSettings | None = None
    rules: dict[str, PointsRule] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return bool(self.source and self.source.enabled)

    @property
    def rankings(self) -> bool:
        return self.enabled and bool(self.source and self.source.rankings)

    @property
    def inherited(self) -> bool:
        return self.source is not None and self.source.org_path != self.path

    def rule(self, kind: str) -> PointsRule | None:
        rule = self.rules.get(kind) if self.enabled else None
        return rule if rule is not None and rule.points > 0 else None


def effective_many(paths: Iterable[str]) -> dict[str, Effective]:
    """The settings that apply at each of ``paths`` (two queries whatever their number)."""
    paths = set(paths)
    wanted = {p for path in paths for p in ancestor_paths(path)}
    rows = {s.org_path: s for s in PointsSettings.objects.filter(org_path__in=sorted(wanted))
            .select_related("organization")} if wanted else {}
    rules: dict[int, dict[str, PointsRule]] = {}
    if rows:
        for r in PointsRule.objects.filter(settings__in=[s.pk for s in rows.values()]):
            rules.setdefault(r.settings_id, {})[r.kind] = r
    out = {}
    for path in paths:
        source = next((rows[p] for p in ancestor_paths(path) if p in rows), None)
        out[path] = Effective(path, source, rules.get(source.pk, {}) if source else {})
    return out


def effective(path: str) -> Effective:
    return effective_many([path])[path]


def member_path(user: Any) -> str | None:
    """The organization path of ``user``'s current membership (None: not a current member)."""
    from dangjian.members import CURRENT_STATUSES

    member = own_member(user)
    if member is None or member.status not in CURRENT_STATUSES:
        return None
    return str(member.org_path)


def member_paths(user_ids: Iterable[int]) -> dict[int, str]:
    """``{user_id: org_path}`` of the current members among ``user_ids`` (one query)."""
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member

    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(Member.objects.filter(person__user_id__in=ids, status__in=CURRENT_STATUSES)
                .values_list("person__user_id", "org_path"))


def for_user(user: Any) -> Effective | None:
    """The settings that apply to ``user`` (None: not a current member)."""
    path = member_path(user)
    return None if path is None else effective(path)


def shows_points(user: Any) -> bool:
    """Whether to link "my points": points are on for the user, or they earned some before."""
    effective = for_user(user)
    return bool(effective and effective.enabled) or ledger(user).exists()


def ledger(user: Any) -> QuerySet[PointsEntry]:
    """The user's own ledger, newest first."""
    if not getattr(user, "is_authenticated", False):
        return PointsEntry.objects.none()
    return PointsEntry.objects.filter(user_id=int(user.pk)).order_by("-day", "-pk")


def totals(user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """The user's points this year, today, and today's points per kind (two queries)."""
    today = today or timezone.localdate()
    mine = ledger(user)
    year = mine.filter(day__gte=today.replace(month=1, day=1), day__lte=today).aggregate(n=Sum("points"))["n"] or 0
    by_kind = dict(PointsTally.objects.filter(user_id=int(user.pk or 0), day=today).values_list("kind", "points"))
    return {"year": year, "today": sum(by_kind.values()), "today_by_kind": by_kind}


def ranking(path: str, today: dt.date | None = None, size: int = RANKING_SIZE) -> list[dict[str, Any]]:
    """Members of the subtree at ``path`` by their points this year, highest first (two queries)."""
    from dangjian.members.models import Person

    today = today or timezone.localdate()
    rows = list(PointsEntry.objects.filter(subtree_q(path, "org_path"), day__gte=today.replace(month=1, day=1),
                                           day__lte=today)
                .values("user_id").annotate(total=Sum("points")).filter(total__gt=0)
                .order_by("-total", "user_id")[:size])
    names = dict(Person.objects.filter(user_id__in=[r["user_id"] for r in rows]).values_list("user_id", "name"))
    return [{"rank": n, "user_id": r["user_id"], "name": names.get(r["user_id"], ""), "points": r["total"]}
            for n, r in enumerate(rows, start=1)]
