"""Reads for organizational life, always through the scoping helpers (out of scope = 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from dangjian.core.scoping import get_scoped_or_404, in_scope, scoped
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member
from dangjian.orglife import ActivityStatus, LeaveStatus, VoteChoice
from dangjian.orglife.models import Activity, Attendee, Resolution
from dangjian.orgs.models import Organization

# --- Floating members hosted by a branch (DOMAIN.md §8) -----------------------------------------
#: ``provider(branch) -> iterable of Member`` — the floating members a branch hosts. The floating
#: certificate module (not built yet) registers one; they join as guests without a vote.
FloatingGuestProvider = Callable[[Organization], Iterable[Member]]
_guest_providers: list[FloatingGuestProvider] = []


def register_floating_guest_provider(provider: FloatingGuestProvider) -> FloatingGuestProvider:
    if provider not in _guest_providers:
        _guest_providers.append(provider)
    return provider


def unregister_floating_guest_provider(provider: FloatingGuestProvider) -> None:
    if provider in _guest_providers:
        _guest_providers.remove(provider)


def floating_guests(branch: Organization) -> list[Member]:
    guests: dict[int, Member] = {}
    for provider in list(_guest_providers):
        for m in provider(branch) or ():
            if m.organization_id != branch.pk and m.status in CURRENT_STATUSES:
                guests.setdefault(m.pk, m)
    return list(guests.values())


def roster(branch: Organization, *, group_id: int | None = None) -> list[Member]:
    """Current members of the branch (of one party group when given), name order."""
    qs = Member.objects.select_related("person").filter(organization=branch, status__in=CURRENT_STATUSES)
    if group_id is not None:
        qs = qs.filter(party_group_id=group_id)
    return list(qs.order_by("person__name_pinyin", "pk"))


# --- Activities ---------------------------------------------------------------------------------
def _own(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Q(pk__in=Attendee.objects.filter(member__person__user=user).values("activity_id"))


def activities_for(user: Any, perm: str = "orglife.view") -> QuerySet[Activity]:
    """Activities of the user's scope, plus those the user is an expected attendee of."""
    qs = Activity.objects.select_related("organization", "party_group")
    return scoped(qs, user, perm, path_field="org_path", extra=_own(user))


def access_activity(user: Any, activity_id: Any, perm: str = "orglife.view") -> Activity:
    qs = Activity.objects.select_related("organization", "party_group")
    return get_scoped_or_404(qs, user, perm, path_field="org_path", extra=_own(user), pk=activity_id)


def manage_activity(user: Any, activity_id: Any) -> Activity:
    """An activity the user may manage (orglife.manage on its branch); anything else is a 404."""
    qs = Activity.objects.select_related("organization", "party_group")
    return get_scoped_or_404(qs, user, "orglife.manage", path_field="org_path", pk=activity_id)


def can_manage(user: Any, activity: Activity) -> bool:
    return in_scope(user, "orglife.manage", activity.org_path)


def filter_activities(qs: QuerySet[Activity], *, org_path: str | None = None, kind: str | None = None,
                      status: str | None = None, start: dt.datetime | None = None,
                      end: dt.datetime | None = None) -> QuerySet[Activity]:
    from dangjian.core.scoping import subtree_q

    if org_path:
        qs = qs.filter(subtree_q(org_path, "org_path"))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    return qs


def attendee_of(user: Any, activity: Activity) -> Attendee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (Attendee.objects.select_related("member__person")
            .filter(activity=activity, member__person__user=user).first())


def attendees(activity: Activity) -> list[Attendee]:
    return list(activity.attendees.select_related("member__person").order_by("is_floating_guest", "-has_vote",
                                                                             "member__person__name_pinyin", "pk"))


def not_signed_in(activity: Activity) -> list[int]:
    """The attendees not signed in yet, leaving out those whose leave was approved."""
    return list(activity.attendees.filter(checked_in_at__isnull=True).exclude(leave_status=LeaveStatus.APPROVED)
                .values_list("pk", flat=True))


def my_attendances(user: Any) -> QuerySet[Attendee]:
    return (Attendee.objects.select_related("activity__organization")
            .filter(member__person__user=user).order_by("-activity__starts_at", "-pk"))


# --- Quorum and votes ----------------------------------------------------------------------------
def quorum(activity: Activity) -> dict[str, Any]:
    """Live quorum: more than half of the attendees with a vote are present (DOMAIN.md §6). Members
    on approved leave still count among those entitled (the rule does not exclude them)."""
    row = activity.attendees.aggregate(
        entitled=Count("pk", filter=Q(has_vote=True)),
        present=Count("pk", filter=Q(has_vote=True, checked_in_at__isnull=False)),
        present_all=Count("pk", filter=Q(checked_in_at__isnull=False)),
        on_leave=Count("pk", filter=Q(leave_status=LeaveStatus.APPROVED)),
        expected=Count("pk"),
    )
    needed = row["entitled"] // 2 + 1 if row["entitled"] else 0
    row["needed"] = needed
    row["reached"] = bool(row["entitled"]) and row["present"] >= needed
    return row


def tally(resolution: Resolution) -> dict[str, Any]:
    """Votes so far; a motion passes with yes from more than half of those entitled to vote."""
    counts = resolution.votes.aggregate(
        yes=Count("pk", filter=Q(choice=VoteChoice.YES)),
        no=Count("pk", filter=Q(choice=VoteChoice.NO)),
        abstain=Count("pk", filter=Q(choice=VoteChoice.ABSTAIN)),
    )
    entitled = resolution.activity.attendees.filter(has_vote=True).count()
    counts["entitled"] = entitled
    counts["passes"] = bool(entitled) and counts["yes"] * 2 > entitled
    return counts


def resolutions_with_tallies(activity: Activity) -> list[Resolution]:
    """Resolutions with live counts (two queries however many there are)."""
    entitled = activity.attendees.filter(has_vote=True).count()
    rows: list[Resolution] = list(activity.resolutions.annotate(
        n_yes=Count("votes", filter=Q(votes__choice=VoteChoice.YES)),
        n_no=Count("votes", filter=Q(votes__choice=VoteChoice.NO)),
        n_abstain=Count("votes", filter=Q(votes__choice=VoteChoice.ABSTAIN)),
    ).order_by("pk"))
    for r in rows:
        if r.passed is None:
            r.entitled, r.yes, r.no, r.abstain = entitled, r.n_yes, r.n_no, r.n_abstain  # type: ignore[attr-defined]
    return rows


# --- Ledger --------------------------------------------------------------------------------------
def ledger(org: Organization, year: int) -> list[Activity]:
    """The 三会一课 ledger: the branch's closed activities of the year (Asia/Shanghai), in order.
    Derived from the records; nobody types it."""
    from dangjian.orglife.periods import year_bounds

    start, end = year_bounds(year)
    return list(Activity.objects.select_related("party_group", "lecturer__person")
                .filter(organization=org, status=ActivityStatus.CLOSED, starts_at__gte=start, starts_at__lt=end)
                .order_by("starts_at", "pk"))


def absentees(activity: Activity) -> list[Attendee]:
    return [a for a in attendees(activity) if not a.present]


# --- Democratic review and life meeting ------------------------------------------------------------
def review_rows(activity: Activity) -> list[dict[str, Any]]:
    """For each participant: the self-assessment, the mutual suggestions received (counted by
    grade) and the branch's grade; ``graded`` is False for probationary members and guests.
    Three queries."""
    from dangjian.orglife.models import MutualRating, ReviewAssessment

    people = attendees(activity)
    assessed = {r.attendee_id: r for r in ReviewAssessment.objects.filter(activity=activity)}
    counts: dict[int, dict[str, int]] = {}
    for row in (MutualRating.objects.filter(activity=activity).values("ratee_id", "grade")
                .annotate(n=Count("pk")).order_by()):
        counts.setdefault(row["ratee_id"], {})[row["grade"]] = row["n"]
    return [{"attendee": a, "graded": a.is_full and not a.is_floating_guest,
             "self_assessment": assessed[a.pk].self_assessment if a.pk in assessed else "",
             "grade": assessed[a.pk].grade if a.pk in assessed else "",
             "mutual": counts.get(a.pk, {})} for a in people if not a.is_floating_guest]


def my_ratings(me: Attendee) -> dict[int, str]:
    return dict(me.ratings_given.values_list("ratee_id", "grade"))


def review_results(member: Any) -> list[Any]:
    """The member's review grades, newest first (filed to the member's record)."""
    from dangjian.orglife.models import ReviewAssessment

    return list(ReviewAssessment.objects.select_related("activity").filter(
        attendee__member=member, activity__status=ActivityStatus.CLOSED).exclude(grade="")
        .order_by("-activity__starts_at"))


def feed_for_token(kind: str, pk: int, token: str) -> tuple[str, QuerySet[Activity]]:
    """(title, activities) of an iCalendar feed. Calendar apps fetch feeds without a session,
    so the unguessable token in the URL is the access check (no role scope applies): a wrong
    token, or a member/branch that does not exist, is a 404."""
    from django.http import Http404
    from django.utils.translation import gettext as _

    from dangjian.orglife.ical import check_token

    if kind not in ("member", "branch") or not check_token(kind, pk, token):
        raise Http404(_("Not found."))
    if kind == "member":
        member = Member.objects.select_related("person").filter(pk=pk).first()
        if member is None:
            raise Http404(_("Not found."))
        return (_("%(name)s: organizational life") % {"name": member.person.name},
                Activity.objects.filter(pk__in=Attendee.objects.filter(member=member).values("activity_id")))
    org = Organization.objects.filter(pk=pk).first()
    if org is None:
        raise Http404(_("Not found."))
    return org.name, Activity.objects.filter(organization=org)
