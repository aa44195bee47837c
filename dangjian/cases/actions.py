"""Every write of the case engine: departments, the case transitions, supervision, accountability.

One function per transition (DESIGN.md §4 rule 5). Each locks the case row (``select_for_update``)
and checks the transition on the locked row, so two departments or handlers acting at once
cannot both win; each appends a ``CaseEvent`` (the timeline) and an audit event, tells the
source module (``sources.notify_step``) and notifies people after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.cases import (
    INCIDENT_SOURCE,
    OPEN_STATES,
    AccountabilityDecision,
    CaseCategory,
    CaseState,
    CoInputState,
    EventKind,
    MemberRole,
    Rating,
    rules,
    sources,
)
from dangjian.cases.models import (
    AccountabilityRecord,
    Case,
    CaseEvent,
    CoInput,
    Department,
    DepartmentMember,
)
from dangjian.cases.textsource import record_of
from dangjian.core import audit, workdays
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.apikit.schemas import clean_text
from dangjian.core.hooks import text_added
from dangjian.core.notifications import notify
from dangjian.core.scoping import require
from dangjian.core.sequences import next_value
from dangjian.core.ui import safe_reverse

NAME_MAX = 100
TITLE_MAX = 200
TEXT_MIN, TEXT_MAX = 2, 4000
REASON_MIN = 4


# --- helpers ---------------------------------------------------------------------------------------

def _clean(value: Any, *, multiline: bool = False) -> str:
    if value is None:
        return ""
    value = str(value)
    if multiline:
        return "".join(ch for ch in value if ch in "\n\t" or ch.isprintable()).strip()
    return clean_text(value)


def _required_text(value: Any, field: str, *, minimum: int = TEXT_MIN, maximum: int = TEXT_MAX,
                   message: str | None = None) -> str:
    text = _clean(value, multiline=True)
    if not minimum <= len(text) <= maximum:
        raise ValidationError({field: message or _("Write %(min)d to %(max)d characters.") % {
            "min": minimum, "max": maximum}})
    return text


def _case_url(case: Case) -> str:
    return safe_reverse("cases:detail", case.pk) or ""


def _department_people(department_ids: Iterable[int], roles: Iterable[str]) -> list[int]:
    return sorted(set(DepartmentMember.objects.filter(
        department_id__in=list(department_ids), role__in=list(roles), user__is_active=True,
    ).values_list("user_id", flat=True)))


def _event(case: Case, kind: str, *, actor: Any, text: str = "", department: Department | None = None,
           public: bool = True, at: dt.datetime | None = None) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, kind=kind, at=at or timezone.now(), text=text, public=public, department=department,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if public:
        sources.notify_step(case, kind, text)
    return event


def _lock(case: Case) -> Case:
    """The case row, locked for this transaction; ``case`` itself is refreshed after the action."""
    return Case.objects.select_for_update(of=("self",)).select_related("lead_department").get(pk=case.pk)


def _copy_back(case: Case, locked: Case) -> None:
    for f in Case._meta.concrete_fields:
        setattr(case, f.attname, getattr(locked, f.attname))


def _record(actor: Any, action: str, case: Case, *, before: dict | None = None, after: dict | None = None,
            reason: str = "") -> None:
    audit.record(actor, action, case, before=before, after=after, reason=reason, org_path=case.org_path,
                 target_label=f"{case.number} {case.title}"[:200])


def _require_acting(user: Any, case: Case) -> None:
    said = sources.authorized(case.source_kind, user, case.source_id, case.org_path)
    if said is not None:
        if not said:
            raise PermissionDenied(_("This case follows its source; act on the source instead."))
        return
    if not rules.acts_for(user, case.lead_department_id):
        raise PermissionDenied(_("Only the lead department's head or handlers may do this."))


def _require_assign(user: Any, case_source: tuple[str, int | None], path: str) -> None:
    """``cases.assign`` over ``path``, unless the case's source decides (``sources.authorized``)."""
    said = sources.authorized(case_source[0], user, case_source[1], path)
    if said is None:
        require(user, "cases.assign", path)
    elif not said:
        raise PermissionDenied(_("This case follows its source; act on the source instead."))


def _next_number(year: int) -> str:
    """``AJ2026-000001``: the year and the year's sequence (``core.sequences``)."""
    return f"AJ{year}-{next_value('cases.case', str(year)):06d}"


# --- departments -----------------------------------------------------------------------------------

def _clean_department(data: Mapping[str, Any]) -> dict[str, Any]:
    from dangjian.orgs.models import Organization

    errors: dict[str, list[str]] = {}
    name = _clean(data.get("name"))
    if not 2 <= len(name) <= NAME_MAX:
        errors["name"] = [_("The name must be 2 to %(max)d characters long.") % {"max": NAME_MAX}]
    org = data.get("organization")
    if not isinstance(org, Organization):
        org = Organization.objects.filter(pk=org, is_active=True).first() if str(org or "").isdigit() else None
    if org is None:
        errors["organization"] = [_("Choose the organization the department belongs to.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "organization": org}


def do_create_department(data: Mapping[str, Any], *, acting_user: ActingUser) -> Department:
    clean = _clean_department(data)
    org = clean["organization"]
    require(acting_user, "cases.manage_departments", org.path)
    if Department.objects.filter(organization=org, name=clean["name"]).exists():
        raise ValidationError({"name": _("This organization already has a department with this name.")})
    with transaction.atomic():
        dept = Department.objects.create(name=clean["name"], organization=org, org_path=org.path)
        audit.record(acting_user, "case_department.created", dept, after={"name": dept.name, "organization": org.pk},
                     org_path=dept.org_path)
    return dept


def do_update_department(dept: Department, data: Mapping[str, Any], *, acting_user: ActingUser) -> Department:
    require(acting_user, "cases.manage_departments", dept.org_path)
    name = _clean(data.get("name", dept.name))
    if not 2 <= len(name) <= NAME_MAX:
        raise ValidationError({"name": _("The name must be 2 to %(max)d characters long.") % {"max": NAME_MAX}})
    if Department.objects.filter(organization_id=dept.organization_id, name=name).exclude(pk=dept.pk).exists():
        raise ValidationError({"name": _("This organization already has a department with this name.")})
    is_active = bool(data.get("is_active", dept.is_active))
    with transaction.atomic():
        before = {"name": dept.name, "is_active": dept.is_active}
        dept.name, dept.is_active = name, is_active
        dept.save(update_fields=["name", "is_active"])
        audit.record(acting_user, "case_department.changed", dept, before=before,
                     after={"name": name, "is_active": is_active}, org_path=dept.org_path)
    return dept


def do_add_department_member(dept: Department, user: Any, role: str, *, acting_user: ActingUser) -> DepartmentMember:
    """Make ``user`` the department's head, a handler or a supervisor. Heads and handlers must hold
    the ``dept_handler`` role (so they pass the staff sign-in rules)."""
    from dangjian.core.models import RoleAssignment
    from dangjian.core.roles import Role

    require(acting_user, "cases.manage_departments", dept.org_path)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose head, handler or supervisor.")})
    if user is None or not getattr(user, "is_active", False):
        raise ValidationError({"user": _("Choose an active user account.")})
    if role in rules.ACTING_ROLES and not RoleAssignment.objects.filter(user=user, role=Role.DEPT_HANDLER).exists():
        raise ValidationError({"user": _("This account does not have the department handler role; grant it first.")})
    if DepartmentMember.objects.filter(department=dept, user=user, role=role).exists():
        raise ValidationError({"user": _("This person already has this role in the department.")})
    with transaction.atomic():
        membership = DepartmentMember.objects.create(department=dept, user=user, role=role)
        audit.record(acting_user, "case_department.member_added", dept,
                     after={"user": user.pk, "role": role}, org_path=dept.org_path)
    return membership


def do_remove_department_member(membership: DepartmentMember, *, acting_user: ActingUser) -> None:
    dept = membership.department
    require(acting_user, "cases.manage_departments", dept.org_path)
    with transaction.atomic():
        audit.record(acting_user, "case_department.member_removed", dept,
                     before={"user": membership.user_id, "role": membership.role}, org_path=dept.org_path)
        membership.delete()


# --- assignment ------------------------------------------------------------------------------------

def _check_departments(lead: Any, co: Iterable[Any]) -> list[Department]:
    if not isinstance(lead, Department) or not lead.is_active:
        raise ValidationError({"lead_department": _("Choose an active lead department.")})
    co_list = [d for d in co if d is not None]
    if any(not isinstance(d, Department) or not d.is_active for d in co_list):
        raise ValidationError({"co_departments": _("Choose active co-departments.")})
    if any(d.pk == lead.pk for d in co_list):
        raise ValidationError({"co_departments": _("The lead department cannot also be a co-department.")})
    return list({d.pk: d for d in co_list}.values())


def do_assign_case(*, title: str, summary: str, category: str, lead_department: Department,
                   co_departments: Iterable[Department] = (), source_kind: str, source_id: int | None,
                   acting_user: ActingUser, note: str = "", voices: int = 1,
                   deadline_days: int | None = None) -> Case:
    """交办: open a case for a source object and hand it to a lead department (+ co-departments).
    ``deadline_days`` (working days) overrides the category's default, for a source whose
    deadline is set by its own rules (a report's 15 working days)."""
    errors: dict[str, list[str]] = {}
    title = _clean(title)[:TITLE_MAX]
    if len(title) < 2:
        errors["title"] = [_("Give the case a title.")]
    if category not in CaseCategory.values:
        errors["category"] = [_("Choose a category.")]
    if sources.get_source(source_kind) is None:
        errors["source_kind"] = [_("Unknown case source.")]
    try:
        co = _check_departments(lead_department, co_departments)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        co = []
    if errors:
        raise ValidationError(errors)
    if deadline_days is not None and not 1 <= deadline_days <= 365:
        raise ValidationError({"deadline_days": _("Give 1 to 365 working days.")})
    _require_assign(acting_user, (source_kind, source_id), lead_department.org_path)
    note = _clean(note, multiline=True)[:TEXT_MAX]
    with transaction.atomic():
        now = timezone.now()
        days, due = ((deadline_days, workdays.deadline(now, deadline_days)) if deadline_days is not None
                     else rules.compute_deadline(category, now))
        case = Case.objects.create(
            number=_next_number(timezone.localdate(now).year), title=title,
            summary=_clean(summary, multiline=True)[:TEXT_MAX], source_kind=source_kind, source_id=source_id,
            category=category, lead_department=lead_department, org_path=lead_department.org_path,
            deadline_days=days, deadline=due, assigned_at=now, created_by=_user_or_none(acting_user),
            voices=max(1, voices), created_at=now,
        )
        case.co_departments.set(co)
        _sync_co_inputs(case, co, now)
        _event(case, EventKind.ASSIGNED, actor=acting_user, department=lead_department, at=now,
               text=_("Assigned to %(dept)s; reply due by %(due)s.") % {
                   "dept": lead_department.name, "due": due.isoformat()})
        if note:
            _event(case, EventKind.SUPERVISION, actor=acting_user, text=note, public=False, at=now)
        _record(acting_user, "case.assigned", case, after={
            "lead_department": lead_department.pk, "co_departments": [d.pk for d in co], "category": category,
            "deadline": due, "source": [source_kind, source_id]}, reason=note)
        transaction.on_commit(lambda: _notify_departments(case, [lead_department.pk] + [d.pk for d in co]),
                              robust=True)
        if source_kind != "opinion" and source_kind not in sources.silent_kinds():
            # an opinion's words are announced by the opinions module; a silent source's never are
            text_added("cases", record_of(case, {}))  # analysed on arrival (insight), after commit
    return case


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _notify_departments(case: Case, dept_ids: list[int]) -> None:
    notify(
        _department_people(dept_ids, rules.ACTING_ROLES), "cases.assigned",
        title=_("New case %(no)s: %(title)s") % {"no": case.number, "title": case.title},
        body=_("Reply due by %(due)s.") % {"due": case.deadline.isoformat()}, url=_case_url(case),
    )


# --- the department's steps ------------------------------------------------------------------------

def do_accept_case(case: Case, *, acting_user: ActingUser) -> Case:
    """受理: the lead department takes the case. Of two handlers accepting at once, one wins."""
    _require_acting(acting_user, case)
    with transaction.atomic():
        locked = _lock(case)
        if locked.state == CaseState.ACCEPTED:
            raise ValidationError({"state": _("This case has already been accepted.")})
        locked.check_transition(CaseState.ACCEPTED)
        locked.state = CaseState.ACCEPTED
        locked.accepted_at = timezone.now()
        locked.handler = as_user(acting_user)
        locked.save(update_fields=["state", "accepted_at", "handler", "updated_at"])
        _event(locked, EventKind.ACCEPTED, actor=acting_user, department=locked.lead_department,
               text=_("%(dept)s accepted the case.") % {"dept": locked.lead_department.name})
        _record(acting_user, "case.accepted", locked, before={"state": CaseState.ASSIGNED},
                after={"state": CaseState.ACCEPTED})
    _copy_back(case, locked)
    return case


def do_send_back_case(case: Case, *, reason: str, acting_user: ActingUser) -> Case:
    """退回: the lead department says the case is not theirs, with a reason."""
    _require_acting(acting_user, case)
    reason = _required_text(reason, "reason", minimum=REASON_MIN, maximum=1000, message=_(
        "Give the reason for sending the case back (at least %(min)d characters).") % {"min": REASON_MIN})
    with transaction.atomic():
        locked = _lock(case)
        locked.check_transition(CaseState.SENT_BACK)
        locked.state = CaseState.SENT_BACK
        locked.send_back_count += 1
        locked.save(update_fields=["state", "send_back_count", "updated_at"])
        _event(locked, EventKind.SENT_BACK, actor=acting_user, department=locked.lead_department, text=reason,
               public=False)
        _record(acting_user, "case.sent_back", locked, before={"state": CaseState.ASSIGNED},
                after={"state": CaseState.SENT_BACK}, reason=reason)
        creator = locked.created_by_id

        def tell() -> None:
            if creator:
                notify([creator], "cases.sent_back",
                       title=_("Case %(no)s was sent back") % {"no": locked.number}, body=reason,
                       url=_case_url(locked))
        transaction.on_commit(tell, robust=True)
    _copy_back(case, locked)
    return case


def do_reassign_case(case: Case, *, lead_department: Department, co_departments: Iterable[Department] = (),
                     acting_user: ActingUser, note: str = "") -> Case:
    """重新交办: a sent-back case goes to another department, with a new deadline."""
    co = _check_departments(lead_department, co_departments)
    require(acting_user, "cases.assign", case.org_path)
    require(acting_user, "cases.assign", lead_department.org_path)
    with transaction.atomic():
        locked = _lock(case)
        locked.check_transition(CaseState.ASSIGNED)
        now = timezone.now()
        days, due = rules.compute_deadline(locked.category, now)
        before = {"state": locked.state, "lead_department": locked.lead_department_id}
        locked.state = CaseState.ASSIGNED
        locked.lead_department = lead_department
        locked.org_path = lead_department.org_path
        locked.deadline_days, locked.deadline, locked.assigned_at = days, due, now
        locked.reminded_at = locked.escalated_at = None
        locked.handler = None
        locked.save()
        locked.co_departments.set(co)
        _sync_co_inputs(locked, co, now)
        _event(locked, EventKind.REASSIGNED, actor=acting_user, department=lead_department,
               text=_("Reassigned to %(dept)s; reply due by %(due)s.") % {
                   "dept": lead_department.name, "due": due.isoformat()})
        _record(acting_user, "case.reassigned", locked, before=before, after={
            "state": CaseState.ASSIGNED, "lead_department": lead_department.pk, "deadline": due},
            reason=_clean(note, multiline=True)[:1000])
        transaction.on_commit(lambda: _notify_departments(locked, [lead_department.pk] + [d.pk for d in co]),
                              robust=True)
    _copy_back(case, locked)
    return case


def do_start_case(case: Case, *, acting_user: ActingUser) -> Case:
    """办理: the department starts working on an accepted case."""
    _require_acting(acting_user, case)
    with transaction.atomic():
        locked = _lock(case)
        locked.check_transition(CaseState.IN_PROGRESS)
        if locked.state != CaseState.ACCEPTED:
            raise ValidationError({"state": _("Only an accepted case can be started.")})
        locked.state = CaseState.IN_PROGRESS
        locked.save(update_fields=["state", "updated_at"])
        _event(locked, EventKind.STARTED, actor=acting_user, department=locked.lead_department,
               text=_("%(dept)s is handling the case.") % {"dept": locked.lead_department.name})
        _record(acting_user, "case.started", locked, before={"state": CaseState.ACCEPTED},
                after={"state": CaseState.IN_PROGRESS})
    _copy_back(case, locked)
    return case


def do_reply_case(case: Case, *, reply: str, acting_user: ActingUser) -> Case:
    """反馈: the department's answer; it becomes the source's public answer."""
    _require_acting(acting_user, case)
    reply = _required_text(reply, "reply", minimum=10, maximum=TEXT_MAX, message=_(
        "The reply must be %(min)d to %(max)d characters long.") % {"min": 10, "max": TEXT_MAX})
    with transaction.atomic():
        locked = _lock(case)
        locked.check_transition(CaseState.REPLIED)
        owed = pending_co_inputs(locked)
        if owed:
            raise ValidationError({"reply": _(
                "Still waiting for the input of: %(depts)s. Reply once they have given it, or ask a supervisor "
                "to waive it.") % {"depts": "、".join(c.department.name for c in owed)}})
        before = {"state": locked.state}
        locked.state = CaseState.REPLIED
        locked.reply = reply
        locked.replied_at = timezone.now()
        locked.rating = ""
        locked.rating_comment = ""
        locked.save(update_fields=["state", "reply", "replied_at", "rating", "rating_comment", "updated_at"])
        _event(locked, EventKind.REPLIED, actor=acting_user, department=locked.lead_department, text=reply)
        _record(acting_user, "case.replied", locked, before=before, after={"state": CaseState.REPLIED, "reply": reply})
    _copy_back(case, locked)
    return case


# --- the sender's rating, reopening, closing -------------------------------------------------------

_RATING_FIELD = {Rating.SATISFIED: "rated_satisfied", Rating.BASICALLY: "rated_basically",
                 Rating.NOT_SATISFIED: "rated_not_satisfied"}


def rate_case_from_source(case: Case, rating: str, *, comment: str = "", acting_user: ActingUser | None) -> Case:
    """评价: called by the source module once it has checked that the rater is the sender
    (an opinion's tracking number + phone, or the sender's account). Every voice's rating is
    counted on the case (``rated_*``); the first one also moves the case to "rated" and is the
    case's ``rating``. A later voice rating an already rated case only adds to the counts."""
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose satisfied, basically satisfied or not satisfied.")})
    comment = _clean(comment, multiline=True)[:500]
    field = _RATING_FIELD[Rating(rating)]
    with transaction.atomic():
        locked = _lock(case)
        label = Rating(rating).label
        if locked.state == CaseState.RATED:
            setattr(locked, field, getattr(locked, field) + 1)
            locked.save(update_fields=[field, "updated_at"])
            _event(locked, EventKind.RATED, actor=acting_user, text=_(
                "Another sender rated the answer: %(rating)s.") % {"rating": label})
            _record(acting_user, "case.voice_rated", locked, after={"rating": rating, "counts": locked.ratings},
                    reason=comment)
            _copy_back(case, locked)
            return case
        locked.check_transition(CaseState.RATED)
        locked.state = CaseState.RATED
        locked.rating = rating
        locked.rating_comment = comment
        setattr(locked, field, getattr(locked, field) + 1)
        locked.save(update_fields=["state", "rating", "rating_comment", field, "updated_at"])
        text = _("The sender rated the answer: %(rating)s.") % {"rating": label}
        _event(locked, EventKind.RATED, actor=acting_user, text=text)
        _record(acting_user, "case.rated", locked, before={"state": CaseState.REPLIED},
                after={"state": CaseState.RATED, "rating": rating}, reason=comment)
    _copy_back(case, locked)
    return case


def do_reopen_case(case: Case, *, reason: str, acting_user: ActingUser) -> Case:
    """重办: a not-satisfied answer goes back to the lead department, once, with a new deadline."""
    require(acting_user, "cases.assign", case.org_path)
    reason = _required_text(reason, "reason", minimum=REASON_MIN, maximum=1000, message=_(
        "Give the reason for reopening (at least %(min)d characters).") % {"min": REASON_MIN})
    with transaction.atomic():
        locked = _lock(case)
        if locked.state != CaseState.RATED or not (locked.rating == Rating.NOT_SATISFIED
                                                   or locked.rated_not_satisfied > 0):
            raise ValidationError({"state": _("Only an answer rated “not satisfied” can be reopened.")})
        if locked.reopen_count >= 1:
            raise ValidationError({"state": _("This case has already been reopened once; it cannot be reopened "
                                              "again. Close it or start accountability.")})
        now = timezone.now()
        days, due = rules.compute_deadline(locked.category, now)
        locked.state = CaseState.IN_PROGRESS
        locked.reopen_count += 1
        locked.deadline_days, locked.deadline = days, due
        locked.reminded_at = locked.escalated_at = None
        locked.save()
        _event(locked, EventKind.REOPENED, actor=acting_user, department=locked.lead_department,
               text=_("Reopened: %(reason)s New reply due by %(due)s.") % {"reason": reason, "due": due.isoformat()})
        _record(acting_user, "case.reopened", locked, before={"state": CaseState.RATED},
                after={"state": CaseState.IN_PROGRESS, "deadline": due}, reason=reason)
        dept = locked.lead_department_id
        transaction.on_commit(lambda: _notify_departments(locked, [dept]), robust=True)
    _copy_back(case, locked)
    return case


def do_close_case(case: Case, *, acting_user: ActingUser, note: str = "") -> Case:
    """办结: staff close a rated or replied case (or a sent-back one that goes nowhere)."""
    _require_assign(acting_user, (case.source_kind, case.source_id), case.org_path)
    note = _clean(note, multiline=True)[:1000]
    with transaction.atomic():
        locked = _lock(case)
        locked.check_transition(CaseState.CLOSED)
        before = {"state": locked.state}
        locked.state = CaseState.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_at", "updated_at"])
        _event(locked, EventKind.CLOSED, actor=acting_user, text=note or _("The case is closed."))
        _record(acting_user, "case.closed", locked, before=before, after={"state": CaseState.CLOSED}, reason=note)
    _copy_back(case, locked)
    return case


def do_add_voice(case: Case, *, text: str, acting_user: ActingUser) -> Case:
    """One more person raised the same problem (a duplicate opinion linked to this case)."""
    require(acting_user, "cases.assign", case.org_path)
    if case.state == CaseState.CLOSED:
        raise ValidationError({"case": _("This case is closed; open a new case instead.")})
    with transaction.atomic():
        locked = _lock(case)
        locked.voices += 1
        locked.save(update_fields=["voices", "updated_at"])
        _event(locked, EventKind.VOICE_ADDED, actor=acting_user, text=text, public=False)
        _record(acting_user, "case.voice_added", locked, after={"voices": locked.voices}, reason=text)
    _copy_back(case, locked)
    return case


# --- co-departments (协办) -------------------------------------------------------------------------

def _sync_co_inputs(case: Case, co: list[Department], now: dt.datetime) -> None:
    """One owed input per co-department (on assignment and reassignment). Inputs already given by a
    department that stays a co-department are kept; a dropped department's owed input goes away."""
    due = rules.co_deadline(now, case.deadline)
    keep = {d.pk for d in co}
    CoInput.objects.filter(case=case).exclude(department_id__in=keep).filter(state=CoInputState.PENDING).delete()
    have = set(CoInput.objects.filter(case=case, department_id__in=keep).values_list("department_id", flat=True))
    CoInput.objects.bulk_create([CoInput(case=case, department=d, deadline=due, created_at=now)
                                 for d in co if d.pk not in have])
    CoInput.objects.filter(case=case, department_id__in=keep, state=CoInputState.PENDING).update(
        deadline=due, escalated_at=None)


def pending_co_inputs(case: Case) -> list[CoInput]:
    """The co-departments whose input the lead department is still waiting for."""
    return list(CoInput.objects.filter(case=case, state=CoInputState.PENDING).select_related("department")
                .order_by("pk"))


def _lock_co_input(case: Case, department_id: int) -> tuple[Case, CoInput]:
    locked = _lock(case)
    co_input = CoInput.objects.select_for_update(of=("self",)).select_related("department").filter(
        case=locked, department_id=department_id).first()
    if co_input is None:
        raise ValidationError({"department": _("This department is not a co-department of the case.")})
    if locked.state not in OPEN_STATES:
        raise ValidationError({"state": _("The case is no longer being handled; co-department input is closed.")})
    if co_input.state != CoInputState.PENDING:
        raise ValidationError({"state": _("The input of %(dept)s has already been given or waived.") % {
            "dept": co_input.department.name}})
    return locked, co_input


def do_submit_co_input(case: Case, department: Department, *, text: str, acting_user: ActingUser) -> CoInput:
    """协办意见: a co-department's head or handler gives its opinion or handling note. The lead
    department sees it on the case; the public timeline says the department has given its input."""
    if not rules.acts_for(acting_user, department.pk):
        raise PermissionDenied(_("Only the co-department's head or handlers may give its input."))
    text = _required_text(text, "text", minimum=4, maximum=TEXT_MAX, message=_(
        "The input must be %(min)d to %(max)d characters long.") % {"min": 4, "max": TEXT_MAX})
    with transaction.atomic():
        locked, co_input = _lock_co_input(case, department.pk)
        now = timezone.now()
        co_input.state = CoInputState.SUBMITTED
        co_input.text = text
        co_input.submitted_by = _user_or_none(acting_user)
        co_input.submitted_at = now
        co_input.save(update_fields=["state", "text", "submitted_by", "submitted_at"])
        late = timezone.localdate(now) > co_input.deadline
        _event(locked, EventKind.CO_INPUT, actor=acting_user, department=department, at=now,
               text=(_("%(dept)s gave its input (after the due date %(due)s).") if late else
                     _("%(dept)s gave its input.")) % {"dept": department.name, "due": co_input.deadline.isoformat()})
        _record(acting_user, "case.co_input", locked, after={"department": department.pk, "text": text})
        lead = locked.lead_department_id

        def tell() -> None:
            notify(_department_people([lead], rules.ACTING_ROLES), "cases.co_input",
                   title=_("%(dept)s gave its input on case %(no)s") % {"dept": department.name, "no": locked.number},
                   body=text[:200], url=_case_url(locked))
        transaction.on_commit(tell, robust=True)
    return co_input


def do_waive_co_input(case: Case, department: Department, *, reason: str, acting_user: ActingUser) -> CoInput:
    """A supervisor lets the lead department reply without a co-department's input (with a reason)."""
    if not rules.can_supervise(acting_user, case):
        raise PermissionDenied(_("You do not supervise this case."))
    reason = _required_text(reason, "reason", minimum=REASON_MIN, maximum=1000, message=_(
        "Give the reason for waiving the input (at least %(min)d characters).") % {"min": REASON_MIN})
    with transaction.atomic():
        locked, co_input = _lock_co_input(case, department.pk)
        co_input.state = CoInputState.WAIVED
        co_input.waived_by = _user_or_none(acting_user)
        co_input.waive_reason = reason
        co_input.save(update_fields=["state", "waived_by", "waive_reason"])
        _event(locked, EventKind.CO_WAIVED, actor=acting_user, department=department,
               text=_("The input of %(dept)s is no longer awaited.") % {"dept": department.name})
        _record(acting_user, "case.co_input_waived", locked, after={"department": department.pk}, reason=reason)
    return co_input


def _escalate_co_inputs(now: dt.datetime) -> int:
    """Co-departments past their input date: escalated once to their head and supervisors, the
    supervisors above the case, and the lead department (who is waiting)."""
    today = timezone.localdate(now)
    escalated = 0
    overdue = CoInput.objects.filter(state=CoInputState.PENDING, deadline__lt=today, escalated_at__isnull=True,
                                     case__state__in=OPEN_STATES).values_list("pk", flat=True)
    for pk in list(overdue[:5000]):
        with transaction.atomic():
            if not CoInput.objects.filter(pk=pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            co_input = CoInput.objects.select_related("case", "department", "case__lead_department").get(pk=pk)
            case, dept = co_input.case, co_input.department
            late = max(0, workdays.workdays_between(co_input.deadline, today))
            _event(case, EventKind.CO_OVERDUE, actor=None, public=False, department=dept,
                   text=_("%(dept)s owes its input since %(due)s (%(days)d working days); escalated.") % {
                       "dept": dept.name, "due": co_input.deadline.isoformat(), "days": late})
            _record(None, "case.co_input_escalated", case, after={"department": dept.pk, "deadline": co_input.deadline,
                                                                   "workdays_late": late})
            ids = set(_department_people([dept.pk], [MemberRole.HEAD, MemberRole.SUPERVISOR]))
            ids.update(_department_people([case.lead_department_id], rules.ACTING_ROLES))
            ids.update(_escalation_recipients(case))
            notify(sorted(ids), "cases.overdue",
                   title=_("Co-department overdue on case %(no)s: %(title)s") % {"no": case.number, "title": case.title},
                   body=_("%(dept)s has not given its input; it was due on %(due)s.") % {
                       "dept": dept.name, "due": co_input.deadline.isoformat()},
                   url=_case_url(case))
            escalated += 1
    return escalated


# --- supervision -----------------------------------------------------------------------------------

def do_add_supervision_note(case: Case, *, text: str, acting_user: ActingUser) -> CaseEvent:
    """督办意见: a supervisor's note on the case, sent to the lead department."""
    if not rules.can_supervise(acting_user, case):
        raise PermissionDenied(_("You do not supervise this case."))
    text = _required_text(text, "text", maximum=2000)
    with transaction.atomic():
        event = _event(case, EventKind.SUPERVISION, actor=acting_user, text=text, public=False)
        _record(acting_user, "case.supervision_note", case, after={"text": text})
        dept = case.lead_department_id
        transaction.on_commit(lambda: notify(
            _department_people([dept], rules.ACTING_ROLES), "cases.supervision",
            title=_("Supervision note on case %(no)s") % {"no": case.number}, body=text, url=_case_url(case),
        ), robust=True)
    return event


def run_supervision(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: remind departments before the deadline, escalate overdue cases to the
    supervisors and the department head. Idempotent: each case is reminded and escalated at
    most once per deadline (a conditional UPDATE claims it; reassigning or reopening resets it)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    remind_until = workdays.add_workdays(today, rules.remind_workdays())
    counts = {"reminded": 0, "escalated": 0}
    due_soon = Case.objects.filter(state__in=OPEN_STATES, reminded_at__isnull=True, deadline__gte=today,
                                   deadline__lte=remind_until).values_list("pk", flat=True)
    for pk in list(due_soon[:5000]):
        with transaction.atomic():
            if not Case.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            case = Case.objects.select_related("lead_department").get(pk=pk)
            _event(case, EventKind.REMINDED, actor=None, public=False, department=case.lead_department,
                   text=_("Reply due by %(due)s.") % {"due": case.deadline.isoformat()})
            _record(None, "case.reminded", case, after={"deadline": case.deadline})
            notify(_department_people([case.lead_department_id], rules.ACTING_ROLES), "cases.reminder",
                   title=_("Case %(no)s is due on %(due)s") % {"no": case.number, "due": case.deadline.isoformat()},
                   body=case.title, url=_case_url(case))
            counts["reminded"] += 1
    counts["escalated"] = _escalate_overdue(Case.objects.all(), now)
    counts["co_escalated"] = _escalate_co_inputs(now)
    return counts


def run_incident_supervision(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every few minutes: escalate incidents whose due hour has passed (idempotent, as above)."""
    now = now or timezone.now()
    return {"escalated": _escalate_overdue(Case.objects.filter(due_at__isnull=False), now)}


def _escalate_overdue(qs: Any, now: dt.datetime) -> int:
    today = timezone.localdate(now)
    escalated = 0
    overdue = qs.filter(rules.overdue_q(now), state__in=OPEN_STATES, escalated_at__isnull=True).values_list(
        "pk", flat=True)
    for pk in list(overdue[:5000]):
        with transaction.atomic():
            if not Case.objects.filter(pk=pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            case = Case.objects.select_related("lead_department").get(pk=pk)
            late = max(0, workdays.workdays_between(case.deadline, today))
            due_text = (timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at
                        else case.deadline.isoformat())
            _event(case, EventKind.OVERDUE, actor=None, public=False, department=case.lead_department,
                   text=_("Overdue since %(due)s (%(days)d working days); escalated to the supervisors and the "
                          "department head.") % {"due": due_text, "days": late})
            _record(None, "case.escalated", case, after={"deadline": case.deadline, "workdays_late": late})
            notify(_escalation_recipients(case), "cases.overdue",
                   title=_("Overdue case %(no)s: %(title)s") % {"no": case.number, "title": case.title},
                   body=_("%(dept)s has not replied; the deadline was %(due)s.") % {
                       "dept": case.lead_department.name, "due": case.deadline.isoformat()},
                   url=_case_url(case))
            escalated += 1
    return escalated


def _escalation_recipients(case: Case) -> list[int]:
    """The department's head and supervisors, and staff holding ``cases.supervise`` over the case."""
    from dangjian.core.models import RoleAssignment
    from dangjian.core.roles import roles_with
    from dangjian.orgs.models import Organization

    ids = set(_department_people([case.lead_department_id], [MemberRole.HEAD, MemberRole.SUPERVISOR]))
    step = Organization.steplen
    paths = [case.org_path[: i * step] for i in range(1, len(case.org_path) // step + 1)]
    ids.update(RoleAssignment.objects.filter(
        role__in=roles_with("cases.supervise"), organization__path__in=paths, user__is_active=True,
    ).values_list("user_id", flat=True))
    return sorted(ids)


# --- accountability --------------------------------------------------------------------------------

def accountability_grounds(case: Case, today: dt.date | None = None) -> list[str]:
    """Why a case may be turned into an accountability record (empty: it may not)."""
    grounds = []
    if case.is_overdue(today) or (case.replied_at and (timezone.localdate(case.replied_at) > case.deadline
                                                          or (case.due_at and case.replied_at > case.due_at))):
        grounds.append("overdue")
    if case.reopen_count:
        grounds.append("reopened")
    return grounds


def do_create_accountability(case: Case, data: Mapping[str, Any], *, acting_user: ActingUser) -> AccountabilityRecord:
    """问责: record who is held responsible for an overdue or reopened case, under which rule."""
    require(acting_user, "cases.accountability", case.org_path)
    errors: dict[str, list[str]] = {}
    if not accountability_grounds(case):
        errors["case"] = [_("Only an overdue or reopened case can be turned into an accountability record.")]
    person = _clean(data.get("person"))
    if not 2 <= len(person) <= 100:
        errors["person"] = [_("Name the person held responsible (2 to 100 characters).")]
    rule = _clean(data.get("rule"))
    if not 4 <= len(rule) <= 300:
        errors["rule"] = [_("Name the rule that was breached (4 to 300 characters).")]
    decision = _clean(data.get("decision"))
    if decision not in AccountabilityDecision.values:
        errors["decision"] = [_("Choose a decision.")]
    notes = _clean(data.get("notes"), multiline=True)[:2000]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = AccountabilityRecord.objects.create(
            case=case, department_id=case.lead_department_id, person=person, rule=rule, decision=decision,
            notes=notes, org_path=case.org_path, created_by=_user_or_none(acting_user),
        )
        _event(case, EventKind.ACCOUNTABILITY, actor=acting_user, public=False,
               text=_("%(person)s: %(decision)s (%(rule)s)") % {
                   "person": person, "decision": AccountabilityDecision(decision).label, "rule": rule})
        _record(acting_user, "case.accountability", case, after={
            "record": record.pk, "person": person, "rule": rule, "decision": decision}, reason=notes)
    return record


# --- incidents (舆情): the fast lane ---------------------------------------------------------------

def do_open_incident(*, title: str, summary: str, lead_department: Department,
                     co_departments: Iterable[Department] = (), hours: int | None = None,
                     acting_user: ActingUser) -> Case:
    """A public-opinion incident: a case due in hours, not working days; the responsible leaders
    (department heads and supervisors, and staff holding ``cases.supervise`` above the lead
    department) are notified at once."""
    limit = rules.incident_hours() if hours in (None, "") else hours
    try:
        limit = int(limit)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= 240:
        raise ValidationError({"hours": _("The response time must be 1 to 240 hours.")})
    with transaction.atomic():
        case = do_assign_case(title=title, summary=summary, category=CaseCategory.INCIDENT,
                              lead_department=lead_department, co_departments=co_departments,
                              source_kind=INCIDENT_SOURCE, source_id=None, acting_user=acting_user)
        due_at = case.assigned_at + dt.timedelta(hours=limit)
        case.due_at = due_at
        case.deadline = timezone.localdate(due_at)
        case.deadline_days = 0
        case.save(update_fields=["due_at", "deadline", "deadline_days", "updated_at"])
        # co-departments answer within the incident's time too
        CoInput.objects.filter(case=case, deadline__gt=case.deadline).update(deadline=case.deadline)
        _record(acting_user, "case.incident_opened", case, after={"hours": limit, "due_at": due_at})
        depts = [lead_department.pk] + [d.pk for d in co_departments]

        def alert() -> None:
            ids = set(_department_people(depts, [MemberRole.HEAD, MemberRole.SUPERVISOR]))
            ids.update(_escalation_recipients(case))
            notify(sorted(ids), "cases.incident",
                   title=_("Incident %(no)s: %(title)s") % {"no": case.number, "title": case.title},
                   body=_("%(dept)s must respond by %(due)s.") % {
                       "dept": lead_department.name, "due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")},
                   url=_case_url(case))
        transaction.on_commit(alert, robust=True)
    return case


def do_publish_statement(case: Case, *, text: str, acting_user: ActingUser) -> CaseEvent:
    """情况通报: a public statement on an incident (what the public timeline shows)."""
    if case.source_kind != INCIDENT_SOURCE:
        raise ValidationError({"text": _("Public statements are for incidents only.")})
    if not (rules.can_assign(acting_user, case) or case.lead_department_id in {
            d for d, role in rules._memberships(acting_user) if role == MemberRole.HEAD}):
        raise PermissionDenied(_("Only the organization department or the lead department's head may publish "
                                 "statements."))
    text = _required_text(text, "text", minimum=10, maximum=2000)
    with transaction.atomic():
        event = _event(case, EventKind.STATEMENT, actor=acting_user, text=text, department=case.lead_department)
        _record(acting_user, "case.statement", case, after={"text": text})
    return event
