"""Writes for organizational life (DESIGN.md §4 rule 1): permission, validation, one
transaction, audit, side effects after commit."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.models import RoleAssignment
from dangjian.core.notifications import notify
from dangjian.core.roles import roles_with
from dangjian.core.sanitize import BASIC, clean_submitted_html
from dangjian.core.scoping import require
from dangjian.core.ui import safe_reverse
from dangjian.members import MemberStatus
from dangjian.orglife import (
    OPEN_STATUSES,
    PICKED_ATTENDEE_KINDS,
    TRANSITIONS,
    ActivityKind,
    ActivityStatus,
    CheckinMethod,
    LeaveStatus,
    VoteChoice,
)
from dangjian.orglife import qr as qrcodes
from dangjian.orglife.conf import conf
from dangjian.orglife.models import Activity, Attendee, Material, Photo, ReminderMark, Resolution, Vote
from dangjian.orglife.selectors import floating_guests, roster, tally
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

TOPIC_MAX = 200
REASON_MAX = 300
#: Sign-in opens this long before the planned start.
CHECKIN_OPENS_BEFORE = dt.timedelta(hours=2)
MATERIAL_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "jpg", "jpeg", "png",
                                 "wps", "ofd", "zip"})
PHOTO_TYPES = {b"\xff\xd8\xff": ("image/jpeg", "jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
_AUDIT_FIELDS = ("organization", "party_group", "kind", "topic", "starts_at", "ends_at", "place", "online_link", "status")


def _snapshot(activity: Activity) -> dict:
    return audit.snapshot(activity, _AUDIT_FIELDS)


def _url(name: str, *args: Any) -> str:
    return safe_reverse(name, *args) or ""


def _check_transition(activity: Activity, new: str) -> None:
    if new not in TRANSITIONS[activity.status]:
        raise ValidationError({"status": _("An activity cannot go from “%(old)s” to “%(new)s”.") % {
            "old": ActivityStatus(activity.status).label, "new": ActivityStatus(new).label}})


def _lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update(of=("self",)).select_related("organization").get(pk=activity.pk)


def _require_open(activity: Activity, field: str = "status") -> None:
    if activity.status not in OPEN_STATUSES:
        raise ValidationError({field: _("This activity is %(status)s; it can no longer be changed.") % {
            "status": ActivityStatus(activity.status).label}})


def _managers(org: Organization) -> list[int]:
    """Users who may manage the branch's activities (a role on the branch or an ancestor)."""
    step = Organization.steplen
    paths = [org.path[: i * step] for i in range(1, len(org.path) // step + 1)]
    return sorted(set(RoleAssignment.objects.filter(role__in=roles_with("orglife.manage"), organization__path__in=paths)
                      .values_list("user_id", flat=True)))


def _attendee_users(activity: Activity, extra: Q | None = None) -> list[int]:
    qs = activity.attendees.filter(member__person__user__isnull=False, member__person__user__is_active=True)
    if extra is not None:
        qs = qs.filter(extra)
    return list(qs.values_list("member__person__user_id", flat=True))


def _when(activity: Activity) -> str:
    return timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")


# --- Planning ------------------------------------------------------------------------------------
def _clean_plan(org: Organization, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if org.kind not in BRANCH_KINDS:
        errors["organization"] = [_("Activities are planned by a branch; “%(org)s” is not a branch.") % {"org": org.name}]
    kind = data.get("kind") or ""
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Choose the kind of activity.")]
    out["kind"] = kind
    topic = " ".join(str(data.get("topic") or "").split())
    if not 2 <= len(topic) <= TOPIC_MAX:
        errors["topic"] = [_("The topic must be 2 to %(max)d characters long.") % {"max": TOPIC_MAX}]
    out["topic"] = topic
    out["agenda"] = str(data.get("agenda") or "").strip()[:5000]
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts, dt.datetime):
        errors["starts_at"] = [_("Enter when the activity starts.")]
    if not isinstance(ends, dt.datetime):
        errors["ends_at"] = [_("Enter when the activity ends.")]
    elif isinstance(starts, dt.datetime) and ends <= starts:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif isinstance(starts, dt.datetime) and ends - starts > dt.timedelta(days=3):
        errors["ends_at"] = [_("An activity can last at most 3 days.")]
    out["starts_at"], out["ends_at"] = starts, ends
    out["place"] = " ".join(str(data.get("place") or "").split())[:200]
    out["online_link"] = str(data.get("online_link") or "").strip()
    if out["online_link"] and not out["online_link"].lower().startswith(("https://", "http://")):
        errors["online_link"] = [_("The online meeting link must start with https://.")]
    if not out["place"] and not out["online_link"]:
        errors["place"] = [_("Give a place, an online meeting link, or both.")]
    group = data.get("party_group")
    out["party_group"] = None
    if kind == ActivityKind.GROUP_MEETING and not group:
        errors["party_group"] = [_("A party group meeting needs its party group.")]
    if group:
        from dangjian.orgs.models import PartyGroup

        gid = group.pk if hasattr(group, "pk") else group
        found = PartyGroup.objects.filter(pk=gid, branch=org).first() if str(gid).isdigit() else None
        if found is None:
            errors["party_group"] = [_("Choose a party group of this branch.")]
        out["party_group"] = found
    if errors:
        raise ValidationError(errors)
    return out


def expected_attendees(org: Organization, kind: str, *, group_id: int | None, picked: Iterable[int] | None) -> list[tuple[Any, bool]]:
    """(member, is_floating_guest) for a new activity: the branch (or group) roster, or the
    members picked for committee meetings and talks; plus hosted floating members at branch-wide
    activities."""
    members = roster(org, group_id=group_id)
    if kind in PICKED_ATTENDEE_KINDS:
        chosen = {int(i) for i in (picked or ())}
        if not chosen:
            raise ValidationError({"attendees": _("Pick the members expected at this activity.")})
        by_id = {m.pk: m for m in members}
        unknown = chosen - set(by_id)
        if unknown:
            raise ValidationError({"attendees": _("Only current members of this branch can be picked.")})
        return [(by_id[i], False) for i in sorted(chosen)]
    result = [(m, False) for m in members]
    if kind != ActivityKind.GROUP_MEETING:
        result += [(m, True) for m in floating_guests(org)]
    return result


def do_plan_activity(org: Organization, data: Mapping[str, Any], *, acting_user: ActingUser,
                     attendee_ids: Iterable[int] | None = None, materials: Iterable[Any] = ()) -> Activity:
    require(acting_user, "orglife.manage", org.path)
    clean = _clean_plan(org, data)
    files = _check_materials(list(materials))
    people = expected_attendees(org, clean["kind"], group_id=clean["party_group"].pk if clean["party_group"] else None,
                                picked=attendee_ids)
    if not people:
        raise ValidationError({"attendees": _("Nobody would be expected: the branch has no current members.")})
    with transaction.atomic():
        activity = Activity.objects.create(organization=org, org_path=org.path, planned_by=as_user(acting_user), **clean)
        Attendee.objects.bulk_create([
            Attendee(activity=activity, member=m, is_floating_guest=guest, is_full=m.status == MemberStatus.FULL,
                     has_vote=not guest and m.status == MemberStatus.FULL)
            for m, guest in people
        ])
        _save_materials(activity, files)
        audit.record(acting_user, "orglife.activity_planned", activity, after={
            **_snapshot(activity), "attendees": len(people), "materials": len(files)}, org_path=org.path)
    return activity


#: What can change on a planned activity. The kind and the party group fix who is expected, so
#: changing them means cancelling and planning anew.
EDITABLE_FIELDS = ("topic", "agenda", "starts_at", "ends_at", "place", "online_link")


def do_update_activity(activity: Activity, data: Mapping[str, Any], *, acting_user: ActingUser) -> Activity:
    """Change a planned activity's topic, agenda, time, place or link. If the attendees were
    already notified and the time, place or link changed, they are told again."""
    require(acting_user, "orglife.manage", activity.org_path)
    with transaction.atomic():
        activity = _lock(activity)
        if activity.status != ActivityStatus.PLANNED:
            raise ValidationError({"status": _("Only a planned activity can be changed; this one is %(status)s.") % {
                "status": ActivityStatus(activity.status).label}})
        merged = {"kind": activity.kind, "party_group": activity.party_group_id,
                  **{f: getattr(activity, f) for f in EDITABLE_FIELDS},
                  **{f: data[f] for f in EDITABLE_FIELDS if f in data}}
        clean = _clean_plan(activity.organization, merged)
        before = _snapshot(activity)
        changed = [f for f in EDITABLE_FIELDS if getattr(activity, f) != clean[f]]
        if not changed:
            return activity
        for f in changed:
            setattr(activity, f, clean[f])
        activity.save(update_fields=[*changed, "updated_at"])
        audit.record(acting_user, "orglife.activity_changed", activity, before=before, after=_snapshot(activity),
                     org_path=activity.org_path)
        moved = {"starts_at", "ends_at", "place", "online_link"} & set(changed)
        if moved and activity.notified_at:
            place = activity.place or _("online")
            notify(_attendee_users(activity), "orglife.planned",
                   title=_("Changed: %(kind)s: %(topic)s") % {"kind": ActivityKind(activity.kind).label,
                                                              "topic": activity.topic},
                   body=_("Now %(when)s at %(place)s.") % {"when": _when(activity), "place": place},
                   url=_url("orglife:detail", activity.pk))
    return activity


def addable_members(activity: Activity) -> list[tuple[Any, bool]]:
    """(member, is_floating_guest) who could still be added: current members of the branch (of
    the group, for a group meeting) and hosted floating members, not yet on the list."""
    present = set(activity.attendees.values_list("member_id", flat=True))
    group_id = activity.party_group_id if activity.kind == ActivityKind.GROUP_MEETING else None
    people = [(m, False) for m in roster(activity.organization, group_id=group_id)]
    if activity.kind != ActivityKind.GROUP_MEETING:
        people += [(m, True) for m in floating_guests(activity.organization)]
    return [(m, guest) for m, guest in people if m.pk not in present]


def do_add_attendee(activity: Activity, member_id: Any, *, acting_user: ActingUser) -> Attendee:
    """Add a member to an open activity's list after planning (joined the branch since, or was
    left out of a committee meeting). Voting rights follow the same rule as at planning."""
    require(acting_user, "orglife.manage", activity.org_path)
    with transaction.atomic():
        activity = _lock(activity)
        _require_open(activity, "member")
        match = [(m, guest) for m, guest in addable_members(activity) if str(m.pk) == str(member_id)]
        if not match:
            raise ValidationError({"member": _("Choose a current member of this branch who is not on the list yet.")})
        member, guest = match[0]
        attendee = Attendee.objects.create(
            activity=activity, member=member, is_floating_guest=guest, is_full=member.status == MemberStatus.FULL,
            has_vote=not guest and member.status == MemberStatus.FULL)
        audit.record(acting_user, "orglife.attendee_added", activity,
                     after={"member": member.pk, "floating_guest": guest, "has_vote": attendee.has_vote},
                     org_path=activity.org_path)
    return attendee


def _check_materials(files: list[Any]) -> list[Any]:
    errors = []
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in MATERIAL_EXTENSIONS:
            errors.append(_("“%(name)s”: this type of file cannot be attached.") % {"name": name})
        elif (getattr(f, "size", 0) or 0) > int(conf("MAX_MATERIAL_BYTES")):
            errors.append(_("“%(name)s” is larger than %(mb)d MB.") % {
                "name": name, "mb": int(conf("MAX_MATERIAL_BYTES")) // (1024 * 1024)})
    if errors:
        raise ValidationError({"materials": errors})
    return files


def _save_materials(activity: Activity, files: list[Any]) -> None:
    for f in files:
        name = os.path.basename(f.name)[:200]
        ext = name.rsplit(".", 1)[-1].lower()
        m = Material(activity=activity, name=name, size=f.size or 0)
        m.file.save(f"{uuid.uuid4().hex}.{ext}", f, save=False)
        m.save(force_insert=True)


def do_add_materials(activity: Activity, files: Iterable[Any], *, acting_user: ActingUser) -> int:
    require(acting_user, "orglife.manage", activity.org_path)
    checked = _check_materials(list(files))
    if not checked:
        raise ValidationError({"materials": _("Choose at least one file.")})
    with transaction.atomic():
        activity = _lock(activity)
        if activity.status == ActivityStatus.CANCELLED:
            _require_open(activity, "materials")
        _save_materials(activity, checked)
        audit.record(acting_user, "orglife.materials_added", activity, after={"count": len(checked)},
                     org_path=activity.org_path)
    return len(checked)


def do_add_photos(activity: Activity, files: Iterable[Any], *, acting_user: ActingUser) -> int:
    require(acting_user, "orglife.manage", activity.org_path)
    files = [f for f in files if f is not None]
    if not files:
        raise ValidationError({"photos": _("Choose at least one photo.")})
    errors, good = [], []
    for f in files:
        f.seek(0)
        head = f.read(16)
        f.seek(0)
        kind = next((v for sig, v in PHOTO_TYPES.items() if head.startswith(sig)), None)
        if kind is None:
            errors.append(_("“%(name)s” is not a JPEG or PNG photo.") % {"name": f.name})
        elif (f.size or 0) > int(conf("MAX_PHOTO_BYTES")):
            errors.append(_("“%(name)s” is larger than %(mb)d MB.") % {
                "name": f.name, "mb": int(conf("MAX_PHOTO_BYTES")) // (1024 * 1024)})
        else:
            good.append((f, kind))
    if errors:
        raise ValidationError({"photos": errors})
    with transaction.atomic():
        activity = _lock(activity)
        if activity.status == ActivityStatus.CANCELLED:
            _require_open(activity, "photos")
        if activity.photos.count() + len(good) > int(conf("MAX_PHOTOS")):
            raise ValidationError({"photos": _("An activity can have at most %(max)d photos.") % {"max": conf("MAX_PHOTOS")}})
        for f, (ctype, ext) in good:
            p = Photo(activity=activity, content_type=ctype, size=f.size or 0)
            p.image.save(f"{uuid.uuid4().hex}.{ext}", f, save=False)
            p.save(force_insert=True)
        audit.record(acting_user, "orglife.photos_added", activity, after={"count": len(good)}, org_path=activity.org_path)
    return len(good)


def do_notify_attendees(activity: Activity, *, acting_user: ActingUser) -> int:
    """Tell every expected attendee with an account (in-app plus the channels they chose)."""
    require(acting_user, "orglife.manage", activity.org_path)
    with transaction.atomic():
        activity = _lock(activity)
        _require_open(activity)
        recipients = _attendee_users(activity)
        activity.notified_at = timezone.now()
        activity.save(update_fields=["notified_at", "updated_at"])
        audit.record(acting_user, "orglife.attendees_notified", activity, after={"recipients": len(recipients)},
                     org_path=activity.org_path)
        place = activity.place or _("online")
        notify(recipients, "orglife.planned",
               title=_("%(kind)s: %(topic)s") % {"kind": ActivityKind(activity.kind).label, "topic": activity.topic},
               body=_("%(when)s at %(place)s. If you cannot come, ask for leave.") % {"when": _when(activity), "place": place},
               url=_url("orglife:detail", activity.pk))
    return len(recipients)


# --- Leave ---------------------------------------------------------------------------------------
def _own_attendee(activity: Activity, user: Any) -> Attendee:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."))
    attendee = (Attendee.objects.select_for_update(of=("self",)).select_related("member__person")
                .filter(activity=activity, member__person__user=user).first())
    if attendee is None:
        raise PermissionDenied(_("You are not on the attendee list of this activity."))
    return attendee


def do_ask_leave(activity: Activity, reason: str, *, acting_user: ActingUser) -> Attendee:
    reason = " ".join(str(reason or "").split())
    if not 2 <= len(reason) <= REASON_MAX:
        raise ValidationError({"reason": _("Give a reason for leave of 2 to %(max)d characters.") % {"max": REASON_MAX}})
    with transaction.atomic():
        activity = _lock(activity)
        attendee = _own_attendee(activity, acting_user)
        _require_open(activity, "reason")
        if attendee.present:
            raise ValidationError({"reason": _("You have already signed in to this activity.")})
        if attendee.leave_status == LeaveStatus.APPROVED:
            raise ValidationError({"reason": _("Your leave has already been approved.")})
        before = {"leave_status": attendee.leave_status}
        attendee.leave_status = LeaveStatus.PENDING
        attendee.leave_reason = reason
        attendee.leave_asked_at = timezone.now()
        attendee.leave_decided_at = None
        attendee.leave_decided_by = None
        attendee.save()
        audit.record(acting_user, "orglife.leave_asked", activity, before=before,
                     after={"leave_status": attendee.leave_status, "member": attendee.member_id, "reason": reason},
                     org_path=activity.org_path)
        notify(_managers(activity.organization), "orglife.leave",
               title=_("Leave asked: %(name)s") % {"name": attendee.member.person.name},
               body=_("%(topic)s (%(when)s): %(reason)s") % {"topic": activity.topic, "when": _when(activity), "reason": reason},
               url=_url("orglife:detail", activity.pk))
    return attendee


def do_decide_leave(attendee: Attendee, *, approve: bool, acting_user: ActingUser) -> Attendee:
    activity = attendee.activity
    require(acting_user, "orglife.manage", activity.org_path)
    with transaction.atomic():
        activity = _lock(activity)
        attendee = Attendee.objects.select_for_update(of=("self",)).select_related("member__person").get(pk=attendee.pk)
        _require_open(activity, "leave")
        if attendee.leave_status != LeaveStatus.PENDING:
            raise ValidationError({"leave": _("There is no pending leave request to decide.")})
        attendee.leave_status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
        attendee.leave_decided_at = timezone.now()
        attendee.leave_decided_by = as_user(acting_user)
        attendee.save()
        audit.record(acting_user, "orglife.leave_decided", activity, before={"leave_status": LeaveStatus.PENDING},
                     after={"leave_status": attendee.leave_status, "member": attendee.member_id}, org_path=activity.org_path)
        user_id = attendee.member.person.user_id
        if user_id:
            notify([user_id], "orglife.leave",
                   title=(_("Leave approved: %(topic)s") if approve else _("Leave refused: %(topic)s")) % {"topic": activity.topic},
                   url=_url("orglife:detail", activity.pk))
    return attendee


# --- Status --------------------------------------------------------------------------------------
def do_start_activity(activity: Activity, *, acting_user: ActingUser) -> Activity:
    require(acting_user, "orglife.manage", activity.org_path)
    with transaction.atomic():
        activity = _lock(activity)
        _check_transition(activity, ActivityStatus.IN_PROGRESS)
        activity.status = ActivityStatus.IN_PROGRESS
        activity.started_at = timezone.now()
        activity.save(update_fields=["status", "started_at", "updated_at"])
        audit.record(acting_user, "orglife.activity_started", activity, before={"status": ActivityStatus.PLANNED},
                     after={"status": activity.status}, org_path=activity.org_path)
    return activity


def do_cancel_activity(activity: Activity, reason: str, *, acting_user: ActingUser) -> Activity:
    require(acting_user, "orglife.manage", activity.org_path)
    reason = " ".join(str(reason or "").split())
    if not 2 <= len(reason) <= REASON_MAX:
        raise ValidationError({"reason": _("Give a reason for cancelling of 2 to %(max)d characters.") % {"max": REASON_MAX}})
    with transaction.atomic():
        activity = _lock(activity)
        before = activity.status
        _check_transition(activity, ActivityStatus.CANCELLED)
        activity.status = ActivityStatus.CANCELLED
        activity.cancel_reason = reason
        activity.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit.record(acting_user, "orglife.activity_cancelled", activity, before={"status": before},
                     after={"status": activity.status}, reason=reason, org_path=activity.org_path)
        if activity.notified_at:
            notify(_attendee_users(activity), "orglife.planned",
                   title=_("Cancelled: %(topic)s") % {"topic": activity.topic},
                   body=_("The activity on %(when)s is cancelled: %(reason)s") % {"when": _when(activity), "reason": reason},
                   url=_url("orglife:detail", activity.pk))
    return activity


def do_close_activity(activity: Activity, data: Mapping[str, Any], *, acting_user: ActingUser) -> Activity:
    """Close the activity with its record: minutes, chair, minute-taker, reasons for absence. The
    attendance counts and the motions' outcomes are frozen; the ledger reads them from here."""
    require(acting_user, "orglife.manage", activity.org_path)
    minutes = clean_submitted_html(str(data.get("minutes") or ""), BASIC)
    errors: dict[str, list[str]] = {}
    if len(minutes) < 5:
        errors["minutes"] = [_("Write the minutes before closing the activity.")]
    chair = " ".join(str(data.get("chair") or "").split())[:64]
    minute_taker = " ".join(str(data.get("minute_taker") or "").split())[:64]
    if not chair:
        errors["chair"] = [_("Name the chair.")]
    if not minute_taker:
        errors["minute_taker"] = [_("Name the minute-taker.")]
    lecturer = None
    if activity.kind == ActivityKind.PARTY_LECTURE:
        lecturer = lecturer_choice(activity, data.get("lecturer"))
        if lecturer is None:
            errors["lecturer"] = [_("Choose who gave the lecture: an attendee or a current member of the branch.")]
    if errors:
        raise ValidationError(errors)
    reasons: Mapping[Any, Any] = data.get("absence_reasons") or {}
    with transaction.atomic():
        activity = _lock(activity)
        _check_transition(activity, ActivityStatus.CLOSED)
        rows = list(activity.attendees.select_for_update())
        for a in rows:
            if a.present:
                continue
            reason = " ".join(str(reasons.get(a.pk) or reasons.get(str(a.pk)) or "").split())[:REASON_MAX]
            if not reason and a.leave_status == LeaveStatus.APPROVED:
                reason = _("On leave: %(reason)s") % {"reason": a.leave_reason}
            if reason != a.absence_reason:
                a.absence_reason = reason
                a.save(update_fields=["absence_reason"])
        present = [a for a in rows if a.present]
        activity.expected_count = len(rows)
        activity.present_full = sum(1 for a in present if a.is_full and not a.is_floating_guest)
        activity.present_probationary = sum(1 for a in present if not a.is_full and not a.is_floating_guest)
        activity.present_guests = sum(1 for a in present if a.is_floating_guest)
        activity.leave_count = sum(1 for a in rows if not a.present and a.leave_status == LeaveStatus.APPROVED)
        activity.absent_count = len(rows) - len(present)
        for r in activity.resolutions.all():
            t = tally(r)
            r.entitled, r.yes, r.no, r.abstain, r.passed = t["entitled"], t["yes"], t["no"], t["abstain"], t["passes"]
            r.save(update_fields=["entitled", "yes", "no", "abstain", "passed"])
        activity.minutes = minutes
        activity.chair = chair
        activity.minute_taker = minute_taker
        activity.lecturer = lecturer
        activity.status = ActivityStatus.CLOSED
        activity.closed_at = timezone.now()
        activity.save()
        audit.record(acting_user, "orglife.activity_closed", activity, before={"status": ActivityStatus.IN_PROGRESS},
                     after={"status": activity.status, "expected": activity.expected_count,
                            "present": len(present), "leave": activity.leave_count,
                            **({"lecturer": lecturer.pk} if lecturer else {})}, org_path=activity.org_path)
        _announce_attendance(activity, present)
    return activity


def _announce_attendance(activity: Activity, present: list[Attendee]) -> None:
    """Attendance is confirmed when the activity is closed (no sign-in after that): announce it
    to the modules that credit verified activity (the party school's points), in this transaction
    (one query; nothing happens where no module listens)."""
    from dangjian.core.hooks import activities_verified

    accounts = dict(Attendee.objects.filter(pk__in=[a.pk for a in present], member__person__user__isnull=False)
                    .values_list("pk", "member__person__user_id"))
    day = timezone.localtime(activity.starts_at).date()
    url = _url("orglife:detail", activity.pk)
    activities_verified([{"kind": "meeting_attended", "key": f"orglife.attendee:{a.pk}", "user_id": accounts[a.pk],
                          "day": day, "label": activity.topic, "url": url}
                         for a in present if a.pk in accounts])


def lecturer_choices(activity: Activity) -> list[Any]:
    """Who may be recorded as a party lecture's lecturer: its attendees and the branch's current
    members (name order)."""
    people = {m.pk: m for m in roster(activity.organization)}
    for a in activity.attendees.select_related("member__person"):
        people.setdefault(a.member_id, a.member)
    return sorted(people.values(), key=lambda m: (m.person.name_pinyin, m.pk))


def lecturer_choice(activity: Activity, value: Any) -> Any:
    raw = getattr(value, "pk", value)
    if not str(raw or "").isdigit():
        return None
    return next((m for m in lecturer_choices(activity) if m.pk == int(str(raw))), None)


# --- Attendance ----------------------------------------------------------------------------------
def _check_checkin_open(activity: Activity, field: str) -> None:
    _require_open(activity, field)
    if timezone.now() < activity.starts_at - CHECKIN_OPENS_BEFORE:
        raise ValidationError({field: _("Sign-in opens two hours before the start.")})


def _mark_present(activity: Activity, attendee: Attendee, method: str, acting_user: ActingUser) -> Attendee:
    if attendee.present:
        return attendee  # signing in twice changes nothing
    attendee.checked_in_at = timezone.now()
    attendee.checkin_method = method
    attendee.absence_reason = ""
    attendee.save(update_fields=["checked_in_at", "checkin_method", "absence_reason"])
    audit.record(acting_user, "orglife.checked_in", activity, after={"member": attendee.member_id, "method": method},
                 org_path=activity.org_path)
    return attendee


def do_check_in_by_code(activity: Activity, code: str, *, acting_user: ActingUser, pending_ok: bool = False) -> Attendee:
    """A member scanned the venue QR: the code must be the current or previous window's.
    ``pending_ok`` is set by the view when this very session scanned a then-valid code just
    before signing in (see ``QR_LOGIN_GRACE_SECONDS``)."""
    with transaction.atomic():
        activity = _lock(activity)
        attendee = _own_attendee(activity, acting_user)
        if attendee.present:
            return attendee
        if not pending_ok and qrcodes.valid_window(activity.pk, code) is None:
            raise ValidationError({"code": _("This sign-in code has expired. Scan the code on the screen again.")})
        _check_checkin_open(activity, "code")
        return _mark_present(activity, attendee, CheckinMethod.QR, acting_user)


def do_check_in_member(attendee: Attendee, *, acting_user: ActingUser) -> Attendee:
    """The secretary signs a member in (no phone, or the scan failed)."""
    require(acting_user, "orglife.manage", attendee.activity.org_path)
    with transaction.atomic():
        activity = _lock(attendee.activity)
        attendee = Attendee.objects.select_for_update().get(pk=attendee.pk)
        _check_checkin_open(activity, "attendee")
        return _mark_present(activity, attendee, CheckinMethod.SECRETARY, acting_user)


def do_check_in_members(activity: Activity, attendee_ids: Iterable[int], *, acting_user: ActingUser) -> int:
    """The secretary signs several members in at once (a paper sign-in sheet typed in after
    the meeting, say): one audit event for the batch. Members already present are skipped."""
    require(acting_user, "orglife.manage", activity.org_path)
    ids = {int(i) for i in attendee_ids}
    if not ids:
        raise ValidationError({"attendees": _("Choose at least one member to sign in.")})
    with transaction.atomic():
        activity = _lock(activity)
        _check_checkin_open(activity, "attendees")
        known = set(activity.attendees.filter(pk__in=ids).values_list("pk", flat=True))
        if ids - known:
            raise ValidationError({"attendees": _("Only attendees of this activity can be signed in.")})
        rows = list(activity.attendees.select_for_update().filter(pk__in=ids, checked_in_at__isnull=True))
        now = timezone.now()
        for r in rows:
            r.checked_in_at, r.checkin_method, r.absence_reason = now, CheckinMethod.SECRETARY, ""
        Attendee.objects.bulk_update(rows, ["checked_in_at", "checkin_method", "absence_reason"])
        audit.record(acting_user, "orglife.checked_in_batch", activity,
                     after={"members": sorted(r.member_id for r in rows), "method": CheckinMethod.SECRETARY},
                     org_path=activity.org_path)
    return len(rows)


def do_join_remote(activity: Activity, *, acting_user: ActingUser) -> Attendee:
    """A member joins an online activity: presence recorded at the join time."""
    with transaction.atomic():
        activity = _lock(activity)
        attendee = _own_attendee(activity, acting_user)
        if not activity.online_link:
            raise ValidationError({"online_link": _("This activity has no online session.")})
        if attendee.present:
            return attendee
        _check_checkin_open(activity, "online_link")
        return _mark_present(activity, attendee, CheckinMethod.REMOTE, acting_user)


# --- Resolutions and votes -----------------------------------------------------------------------
def do_add_resolution(activity: Activity, data: Mapping[str, Any], *, acting_user: ActingUser) -> Resolution:
    require(acting_user, "orglife.manage", activity.org_path)
    title = " ".join(str(data.get("title") or "").split())
    if not 2 <= len(title) <= 200:
        raise ValidationError({"title": _("The motion must be 2 to 200 characters long.")})
    with transaction.atomic():
        activity = _lock(activity)
        _require_open(activity, "title")
        r = Resolution.objects.create(activity=activity, title=title, text=str(data.get("text") or "").strip()[:5000])
        audit.record(acting_user, "orglife.resolution_added", r, after={"activity": activity.pk, "title": title},
                     org_path=activity.org_path)
    return r


def do_cast_vote(resolution: Resolution, choice: str, *, acting_user: ActingUser) -> Vote:
    """A member present with a vote votes yes/no/abstain, once (a second vote is refused)."""
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": _("Vote yes, no or abstain.")})
    with transaction.atomic():
        activity = _lock(resolution.activity)
        attendee = _own_attendee(activity, acting_user)
        if activity.status != ActivityStatus.IN_PROGRESS:
            raise ValidationError({"choice": _("Voting is possible only while the activity is in progress.")})
        if not attendee.has_vote:
            raise ValidationError({"choice": _("You take part without a vote (probationary member or guest).")})
        if not attendee.present:
            raise ValidationError({"choice": _("Sign in to the activity before voting.")})
        try:
            with transaction.atomic():
                vote = Vote.objects.create(resolution=resolution, attendee=attendee, choice=choice)
        except IntegrityError:
            raise ValidationError({"choice": _("You have already voted on this motion.")}) from None
        audit.record(acting_user, "orglife.vote_cast", resolution, after={"activity": activity.pk},
                     org_path=activity.org_path)
    return vote


# --- Reminders (scheduled) -----------------------------------------------------------------------
def do_send_assembly_reminders(today: dt.date | None = None) -> int:
    """Before a quarter ends, remind each branch that has no assembly held or planned in it.
    Runs from the scheduler; one reminder per branch per quarter however often it runs."""
    from dangjian.core.workdays import workdays_between
    from dangjian.orglife.compliance import branches_without_assembly, quarter_bounds, quarter_of

    today = today or timezone.localdate()
    quarter = quarter_of(today.month)
    _first, last = quarter_bounds(today.year, quarter)
    if workdays_between(today, last) > int(conf("ASSEMBLY_REMINDER_WORKDAYS")):
        return 0
    key = f"assembly:{today.year}Q{quarter}"
    sent = 0
    done = ReminderMark.objects.filter(key=key).values("organization_id")
    for branch in branches_without_assembly(today.year, quarter).exclude(pk__in=done).iterator(chunk_size=500):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    ReminderMark.objects.create(organization=branch, key=key)
            except IntegrityError:
                continue
            audit.record(None, "orglife.assembly_reminder", branch, after={"key": key}, org_path=branch.path)
            recipients = _managers(branch)
            notify(recipients, "orglife.reminder",
                   title=_("No branch assembly yet this quarter: %(branch)s") % {"branch": branch.name},
                   body=_("The quarter ends on %(date)s. A branch assembly is required at least once a quarter.") % {
                       "date": last.isoformat()},
                   url=_url("orglife:plan"))
            sent += 1
    return sent
