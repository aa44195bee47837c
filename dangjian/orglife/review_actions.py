"""Writes for the democratic review of members (民主评议党员) and the life meeting's criticism
and rectification items (DOMAIN.md §6). Same rules as ``actions.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.scoping import require
from dangjian.orglife import OPEN_STATUSES, ActivityKind, CriticismKind, Grade
from dangjian.orglife.actions import _lock, _own_attendee, _require_open
from dangjian.orglife.conf import excellent_cap
from dangjian.orglife.models import (
    Activity,
    Attendee,
    CriticismItem,
    MutualRating,
    Rectification,
    ReviewAssessment,
)

TEXT_MAX = 5000


def _require_kind(activity: Activity, kind: str, field: str) -> None:
    if activity.kind != kind:
        raise ValidationError({field: _("This is possible only in a %(kind)s.") % {"kind": ActivityKind(kind).label}})


def _graded(activity: Activity) -> dict[int, Attendee]:
    """Attendees who receive a grade: the branch's full members (not probationary, not guests)."""
    return {a.pk: a for a in activity.attendees.filter(is_full=True, is_floating_guest=False)}


def max_excellent(graded_count: int) -> int:
    n, d = excellent_cap()
    return graded_count * n // d


def do_submit_self_assessment(activity: Activity, text: str, *, acting_user: ActingUser) -> ReviewAssessment:
    text = str(text or "").strip()
    if not 10 <= len(text) <= TEXT_MAX:
        raise ValidationError({"self_assessment": _("Write a self-assessment of 10 to %(max)d characters.") % {"max": TEXT_MAX}})
    with transaction.atomic():
        activity = _lock(activity)
        _require_kind(activity, ActivityKind.MEMBER_REVIEW, "self_assessment")
        _require_open(activity, "self_assessment")
        me = _own_attendee(activity, acting_user)
        row, _created = ReviewAssessment.objects.get_or_create(activity=activity, attendee=me)
        row.self_assessment = text
        row.save(update_fields=["self_assessment"])
        audit.record(acting_user, "orglife.self_assessed", activity, after={"member": me.member_id},
                     org_path=activity.org_path)
    return row


def do_rate_peers(activity: Activity, ratings: Mapping[Any, str], *, acting_user: ActingUser) -> int:
    """Mutual assessment: the member suggests a grade for each full member (not themselves).
    Re-rating replaces the member's earlier suggestion."""
    with transaction.atomic():
        activity = _lock(activity)
        _require_kind(activity, ActivityKind.MEMBER_REVIEW, "ratings")
        _require_open(activity, "ratings")
        me = _own_attendee(activity, acting_user)
        if me.is_floating_guest:
            raise ValidationError({"ratings": _("Guests do not take part in the mutual assessment.")})
        graded = _graded(activity)
        clean: dict[int, str] = {}
        for key, grade in ratings.items():
            if not grade:
                continue
            try:
                pk = int(key)
            except (TypeError, ValueError):
                pk = 0
            if pk not in graded or pk == me.pk:
                raise ValidationError({"ratings": _("Rate only other full members of this review.")})
            if grade not in Grade.values:
                raise ValidationError({"ratings": _("Unknown grade.")})
            clean[pk] = grade
        if not clean:
            raise ValidationError({"ratings": _("Give at least one grade.")})
        for pk, grade in clean.items():
            MutualRating.objects.update_or_create(rater=me, ratee_id=pk, defaults={"grade": grade, "activity": activity})
        audit.record(acting_user, "orglife.peers_rated", activity, after={"member": me.member_id, "count": len(clean)},
                     org_path=activity.org_path)
    return len(clean)


def do_grade_members(activity: Activity, grades: Mapping[Any, str], *, acting_user: ActingUser) -> int:
    """The branch's rating: one grade per full member. At most ``EXCELLENT_CAP`` of the graded
    members may be excellent (default 1/3); probationary members and guests are not graded."""
    require(acting_user, "orglife.manage", activity.org_path)
    with transaction.atomic():
        activity = _lock(activity)
        _require_kind(activity, ActivityKind.MEMBER_REVIEW, "grades")
        if activity.status not in OPEN_STATUSES:
            _require_open(activity, "grades")
        graded = _graded(activity)
        current = {r.attendee_id: r for r in ReviewAssessment.objects.select_for_update().filter(activity=activity)}
        final = {pk: r.grade for pk, r in current.items() if r.grade}
        changed: dict[int, str] = {}
        for key, grade in grades.items():
            try:
                pk = int(key)
            except (TypeError, ValueError):
                pk = 0
            if pk not in graded:
                att = activity.attendees.filter(pk=pk).first()
                if att is not None and not att.is_full:
                    raise ValidationError({"grades": _("Probationary members take part in the review but are not graded.")})
                raise ValidationError({"grades": _("Grade only full members of this review.")})
            if grade and grade not in Grade.values:
                raise ValidationError({"grades": _("Unknown grade.")})
            changed[pk] = grade or ""
            final[pk] = grade or ""
        excellent = sum(1 for g in final.values() if g == Grade.EXCELLENT)
        cap = max_excellent(len(graded))
        if excellent > cap:
            raise ValidationError({"grades": _("At most %(cap)d of the %(n)d graded members can be rated excellent; "
                                               "%(excellent)d were.") % {"cap": cap, "n": len(graded), "excellent": excellent}})
        now = timezone.now()
        for pk, grade in changed.items():
            row = current.get(pk) or ReviewAssessment(activity=activity, attendee=graded[pk])
            row.grade = grade
            row.graded_at = now if grade else None
            row.save()
        audit.record(acting_user, "orglife.members_graded", activity,
                     after={"grades": {str(graded[pk].member_id): g for pk, g in changed.items()}},
                     org_path=activity.org_path)
    return len(changed)


def do_add_criticism(activity: Activity, data: Mapping[str, Any], *, acting_user: ActingUser) -> CriticismItem:
    require(acting_user, "orglife.manage", activity.org_path)
    text = str(data.get("text") or "").strip()
    kind = data.get("kind") or ""
    errors: dict[str, str] = {}
    if kind not in CriticismKind.values:
        errors["kind"] = _("Choose self-criticism or criticism by others.")
    if not 2 <= len(text) <= TEXT_MAX:
        errors["text"] = _("Write the item in 2 to %(max)d characters.") % {"max": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = _lock(activity)
        _require_kind(activity, ActivityKind.LIFE_MEETING, "kind")
        _require_open(activity, "text")
        attendee = activity.attendees.filter(pk=str(data.get("attendee") or "0")).first() if str(data.get("attendee") or "").isdigit() else None
        if attendee is None:
            raise ValidationError({"attendee": _("Choose a participant of this meeting.")})
        item = CriticismItem.objects.create(activity=activity, attendee=attendee, kind=kind, text=text)
        audit.record(acting_user, "orglife.criticism_recorded", activity,
                     after={"member": attendee.member_id, "kind": kind}, org_path=activity.org_path)
    return item


def do_add_rectification(activity: Activity, data: Mapping[str, Any], *, acting_user: ActingUser) -> Rectification:
    require(acting_user, "orglife.manage", activity.org_path)
    text = " ".join(str(data.get("text") or "").split())
    if not 2 <= len(text) <= 300:
        raise ValidationError({"text": _("Write the rectification item in 2 to 300 characters.")})
    due = data.get("due_on")
    if due is not None and not isinstance(due, dt.date):
        raise ValidationError({"due_on": _("Enter a valid date.")})
    with transaction.atomic():
        activity = _lock(activity)
        _require_kind(activity, ActivityKind.LIFE_MEETING, "text")
        attendee = None
        raw = str(data.get("attendee") or "")
        if raw:
            attendee = activity.attendees.filter(pk=raw).first() if raw.isdigit() else None
            if attendee is None:
                raise ValidationError({"attendee": _("Choose a participant of this meeting.")})
        item = Rectification.objects.create(activity=activity, attendee=attendee, text=text, due_on=due)
        audit.record(acting_user, "orglife.rectification_added", item, after={"activity": activity.pk, "text": text},
                     org_path=activity.org_path)
    return item


def do_complete_rectification(item: Rectification, note: str, *, acting_user: ActingUser) -> Rectification:
    """Mark a rectification item done (also after the meeting is closed: it is tracked to done)."""
    require(acting_user, "orglife.manage", item.activity.org_path)
    note = " ".join(str(note or "").split())
    if not 2 <= len(note) <= 300:
        raise ValidationError({"done_note": _("Say how it was done in 2 to 300 characters.")})
    with transaction.atomic():
        item = Rectification.objects.select_for_update(of=("self",)).select_related("activity").get(pk=item.pk)
        if item.done_at is not None:
            raise ValidationError({"done_note": _("This item is already done.")})
        item.done_at = timezone.now()
        item.done_note = note
        item.save(update_fields=["done_at", "done_note"])
        audit.record(acting_user, "orglife.rectification_done", item, after={"note": note},
                     org_path=item.activity.org_path)
    return item
