"""Every write of the service centre. Each action checks permission, validates (translated
messages naming the field), writes in one transaction, records its audit event and sends its
notifications after commit."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, validators, workdays
from dangjian.core.actors import ActingUser, as_user, signed_in
from dangjian.core.hooks import service_outcome
from dangjian.core.notifications import Message, notify, notify_each
from dangjian.core.scoping import has_any, require
from dangjian.core.sequences import next_value
from dangjian.members.selectors import member_of_user
from dangjian.orgs.models import Organization
from dangjian.services import OPEN, RUNNING, WARN_LEVELS, Audience, Decision, SignOffRule, State, StepState
from dangjian.services import documents as docs
from dangjian.services.chain import (
    APPROVE,
    GRIDS_MEMO,
    ancestor_paths,
    approvers_of,
    delegators_of,
    nearest_with_approvers,
    resolve,
    worker_grids,
)
from dangjian.services.forms import clean_data, clean_schema, clean_steps
from dangjian.services.models import (
    Application,
    Attachment,
    Delegation,
    Document,
    FormVersion,
    GridWorker,
    HistoryEntry,
    Matter,
    SignOff,
    Step,
    StepApprover,
    StepDefinition,
    VolunteerSignup,
    VolunteerTask,
)

MANAGE = "services.manage"
APPLY = "services.apply"
MAX_REASON = 1000


def _today() -> dt.date:
    return timezone.localdate()


def _reason(text: Any, field: str = "reason", *, required: bool = True) -> str:
    value = str(text or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Give a reason.")})
    if len(value) > MAX_REASON:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": MAX_REASON}})
    return value


def _app_url(app: Application) -> str:
    return reverse("services:application", args=[app.public_id])


def _history(app: Application, kind: str, actor: Any, text: str = "", position: int | None = None) -> None:
    HistoryEntry.objects.create(application=app, kind=kind, actor=as_user(actor), text=text, position=position)


# --- matters and forms --------------------------------------------------------------------------

_MATTER_FIELDS = ("title", "description", "audience", "time_limit_days", "active", "issues_document",
                  "document_text", "grid_service", "disclose_steps", "outcome", "community_registration", "instant")


def do_save_matter(org: Organization, data: dict[str, Any], steps: list[dict[str, Any]], *,
                   matter: Matter | None = None, fields: Any = None, acting_user: ActingUser) -> Matter:
    """Create a matter of ``org`` (or change ``matter``) with its chain definition and, when
    ``fields`` is given, its form (a new version when it changed) — all or nothing."""
    require(acting_user, MANAGE, (matter.organization if matter else org).path)
    if fields is not None:
        clean_schema(fields)
    title = str(data.get("title", "")).strip()
    if not title:
        raise ValidationError({"title": _("A title is required.")})
    if data.get("audience") not in Audience.values:
        raise ValidationError({"audience": _("Choose who may apply.")})
    outcome_key = str(data.get("outcome") or "")
    if outcome_key:
        outcome = service_outcome(outcome_key)
        if outcome is None:
            raise ValidationError({"outcome": _("Hand over when approved: unknown choice.")})
        if outcome.members_only and data.get("audience") != Audience.MEMBERS:
            raise ValidationError({"outcome": _("Hand over when approved: “%(outcome)s” is for party members; "
                                                "choose party members as who may apply.") % {"outcome": outcome.label}})
    if data.get("community_registration") and not data.get("grid_service"):
        raise ValidationError({"community_registration": _("Registering members with the community needs a grid "
                                                           "service: the applicant names their community's grid.")})
    instant = bool(data.get("instant"))
    if instant:
        # 免申即享: granted at once, no step — only where nothing is typed (every field is data the
        # platform has) and for party members (the data comes from their record).
        current = matter.current_form() if matter and fields is None else None
        schema = fields if fields is not None else (current.fields if current else [])
        if data.get("audience") != Audience.MEMBERS or any(not f.get("known") for f in schema):
            raise ValidationError({"instant": _("Granted at once (免申即享): only for party members and a form "
                                                "whose every field is data the platform has.")})
    steps = clean_steps(steps) if steps or not instant else []
    fixed_ids = {s["fixed_organization"] for s in steps if s["fixed_organization"]}
    fixed = {o.pk: o for o in Organization.objects.filter(pk__in=fixed_ids)}
    if len(fixed) != len(fixed_ids):
        raise ValidationError({"steps": _("A fixed organization does not exist.")})
    with transaction.atomic():
        before = {f: getattr(matter, f) for f in _MATTER_FIELDS} if matter else None
        if matter is None:
            matter = Matter(organization=org, org_path=org.path)
        for f in _MATTER_FIELDS:
            if f in data:
                setattr(matter, f, data[f])
        matter.title = title
        matter.save()
        matter.step_definitions.all().delete()
        StepDefinition.objects.bulk_create([
            StepDefinition(matter=matter, position=n, name=s["name"], anchor=s["anchor"], anchor_kind=s["anchor_kind"],
                           fixed_organization=fixed.get(s["fixed_organization"]), rule=s["rule"], quorum=s["quorum"],
                           time_limit_days=s["time_limit_days"])
            for n, s in enumerate(steps, 1)])
        after = {f: getattr(matter, f) for f in _MATTER_FIELDS}
        after["steps"] = [s["name"] for s in steps]
        audit.record(acting_user, "service_matter.changed" if before else "service_matter.created", matter,
                     before=before, after=after, org_path=matter.org_path, target_label=matter.title)
        if fields is not None:
            do_save_form(matter, fields, acting_user=acting_user)
    return matter


def do_save_form(matter: Matter, fields: Any, *, acting_user: ActingUser) -> FormVersion:
    """Save the matter's form as its next version (unchanged fields: the current version)."""
    require(acting_user, MANAGE, matter.org_path)
    schema = clean_schema(fields)
    with transaction.atomic():
        Matter.objects.select_for_update().filter(pk=matter.pk).first()
        current = matter.current_form()
        if current is not None and current.fields == schema:
            return current
        version = FormVersion.objects.create(matter=matter, number=(current.number + 1) if current else 1,
                                             fields=schema, created_by=as_user(acting_user))
        audit.record(acting_user, "service_form.saved", matter, after={"version": version.number,
                                                                       "fields": [f["key"] for f in schema]},
                     org_path=matter.org_path, target_label=matter.title)
    return version


# --- what the platform knows about an applicant ------------------------------------------------------

def known_for(user: Any) -> tuple[Any, dict[str, str]]:
    """(member record or None, the platform's current data about ``user``) — read at submission,
    so the application always carries the data as it is then, never as typed."""
    member = member_of_user(user) if getattr(user, "is_authenticated", False) else None
    if member is None:
        name = getattr(user, "name", "") or getattr(user, "username", "")
        return None, {"name": name}
    person = member.person
    return member, {"name": person.name, "organization": member.organization.name,
                    "status": str(member.get_status_display()),
                    "join_date": member.join_date.isoformat() if member.join_date else "",
                    "phone": person.phone_masked}


def grid_of(matter: Matter, organization: Any) -> Organization:
    """The grid a grid-service request is for: an active grid branch under the matter's organization."""
    from dangjian.orgs import OrgKind

    try:
        grid = Organization.objects.get(pk=int(organization), kind=OrgKind.GRID_BRANCH, is_active=True)
    except (Organization.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ValidationError({"organization": _("Choose your grid.")}) from None
    if not grid.path.startswith(matter.org_path):
        raise ValidationError({"organization": _("Choose your grid.")})
    return grid


def _applicant_org(matter: Matter, user: Any, organization: Any = None) -> tuple[Any, Organization, dict[str, str]]:
    member, known = known_for(user)
    if matter.grid_service:
        if organization in (None, "") and member is not None and member.organization.kind == "grid_branch" \
                and member.org_path.startswith(matter.org_path):
            organization = member.organization_id
        if matter.audience == Audience.MEMBERS and member is None:
            raise PermissionDenied(_("This matter is for the party members of %(org)s.")
                                   % {"org": matter.organization.name})
        return member, grid_of(matter, organization), known
    if member is not None and member.org_path.startswith(matter.org_path):
        require(user, APPLY, member.org_path)
        return member, member.organization, known
    if matter.audience == Audience.PUBLIC:
        known.setdefault("organization", matter.organization.name)
        return member, matter.organization, known
    raise PermissionDenied(_("This matter is for the party members of %(org)s.") % {"org": matter.organization.name})


def _fill_known(schema: list[dict[str, Any]], data: dict[str, Any], known: dict[str, str]) -> dict[str, Any]:
    out = dict(data)
    for f in schema:
        if f.get("known"):
            out[f["key"]] = known.get(f["known"], "")
    return out


def _save_files(app: Application, files: dict[str, Any]) -> None:
    for key, upload in files.items():
        app.attachments.filter(key=key).delete()
        Attachment.objects.create(application=app, key=key, file=upload, name=str(upload.name)[:200])


# --- applications ------------------------------------------------------------------------------

def _open_step(app: Application, step: Step, today: dt.date) -> list[int]:
    """Make ``step`` the one waiting: its approvers as of today, its deadline in working days. A
    step whose organization has no approver at all is handed at once to the nearest organization
    above that has one (its approvers decide alone, as after an escalation; they get the to-do and
    the notification); with nobody anywhere above, the superusers are told. Never silently stuck."""
    ids = approvers_of(step.organization)
    if not ids and step.escalated_to_id is None:
        ids = _fallback(app, step, today)
    step.approvers.all().delete()
    StepApprover.objects.bulk_create([StepApprover(step=step, user_id=i) for i in ids])
    step.required = (max(1, len(ids)) if step.rule == SignOffRule.ALL else 1 if step.rule == SignOffRule.ANY
                     else step.required)
    step.state = StepState.ACTIVE
    step.opened_on = today
    step.due_on = workdays.deadline(today, step.limit_days)
    step.warned_level = 0
    step.closed_at = None
    step.save()
    app.current_position = step.position
    return ids


def _fallback(app: Application, step: Step, today: dt.date) -> list[int]:
    """``step`` has no approver of its own: the nearest organization above with one takes it."""
    target, ids = nearest_with_approvers(step.org_path)
    if target is None:
        _history(app, "no_approver", None, step.organization.name, step.position)
        audit.record(None, "service_application.no_approver", app, after={"step": step.position,
                                                                         "organization": step.org_path},
                     org_path=app.org_path, target_label=app.number)
        from dangjian.core.models import User

        return list(User.objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True))
    step.escalated_to = target
    if app.matter.grid_service:
        step.escalation_due_on = workdays.deadline(today, step.limit_days)
    _history(app, "fallback", None, _("%(org)s has no approver; %(to)s signs instead.") % {
        "org": step.organization.name, "to": target.name}, step.position)
    audit.record(None, "service_application.fallback", app, after={"step": step.position, "to": target.path},
                 org_path=app.org_path, target_label=app.number)
    return ids


def _notify_approvers(app: Application, ids: list[int], step: Step) -> None:
    if not ids:
        return
    title = _("Application %(number)s waits for your sign-off: %(matter)s") % {"number": app.number,
                                                                                "matter": app.matter.title}
    body = _("Step “%(step)s”, due %(due)s.") % {"step": step.name, "due": step.due_on}
    url = _app_url(app)
    transaction.on_commit(lambda: notify(ids, "services.step", title=title, body=body, url=url))


def _notify_applicant(app: Application, title: str, body: str = "") -> None:
    user_id, url = app.applicant_id, _app_url(app)
    transaction.on_commit(lambda: notify([user_id], "services.application", title=title, body=body, url=url))


def do_submit_application(matter: Matter, data: Any, *, files: dict[str, Any] | None = None,
                          organization: Any = None, acting_user: ActingUser) -> Application:
    """Apply for ``matter``: validate against its current form, compute the chain over the tree
    from the applicant's organization, open the first step. Nothing is stored if anything is wrong."""
    user = signed_in(acting_user)
    if not matter.active:
        raise ValidationError({"matter": _("This matter is not open for applications.")})
    member, org, known = _applicant_org(matter, user, organization)
    version = matter.current_form()
    if version is None:
        raise ValidationError({"matter": _("This matter has no form yet.")})
    clean, clean_files = clean_data(version.fields, data, files=files)
    definitions = [] if matter.instant else list(matter.step_definitions.select_related("fixed_organization"))
    if not definitions and not matter.instant:
        raise ValidationError({"matter": _("This matter has no approval steps yet.")})
    chain = resolve(definitions, org) if definitions else []
    today = _today()
    with transaction.atomic():
        year = str(today.year)
        app = Application.objects.create(
            public_id=secrets.token_urlsafe(12), number=f"BJ{year}-{next_value('services.application', year):06d}",
            matter=matter, form_version=version, applicant=user, member=member, organization=org,
            org_path=org.path, applicant_name=known.get("name", "")[:64],
            data_text=json.dumps(_fill_known(version.fields, clean, known), ensure_ascii=False, sort_keys=True),
            known=known, state=State.SUBMITTED,
            submitted_on=today, due_on=workdays.deadline(today, matter.time_limit_days))
        steps = Step.objects.bulk_create([
            Step(application=app, position=d.position, name=d.name, organization=target, org_path=target.path,
                 rule=d.rule, required=d.quorum, limit_days=d.time_limit_days)
            for d, target in chain])
        _save_files(app, clean_files)
        _history(app, "submitted", user)
        if matter.instant:  # 免申即享: the platform already knows every fact; granted at once
            audit.record(user, "service_application.submitted", app,
                         after={"number": app.number, "matter": matter.pk, "version": version.number,
                                "instant": True}, org_path=app.org_path, target_label=app.number)
            _finish_steps(app, user)
            app.save()
            return app
        first = steps[0]
        ids = _open_step(app, first, today)
        app.save()
        audit.record(user, "service_application.submitted", app,
                     after={"number": app.number, "matter": matter.pk, "version": version.number,
                            "chain": [s.org_path for s in steps]},
                     org_path=app.org_path, target_label=app.number)
        _notify_approvers(app, ids, first)
    return app


def _locked(app: Application) -> Application:
    return Application.objects.select_for_update().select_related("matter", "organization").get(pk=app.pk)


def _current(app: Application) -> Step:
    step = app.steps.select_related("organization", "escalated_to").filter(position=app.current_position or 0).first()
    if step is None or step.state != StepState.ACTIVE:
        raise ValidationError({"state": _("No step of this application waits for a sign-off.")})
    return step


def signer_for(user: Any, step: Step, today: dt.date | None = None) -> tuple[int | None, bool]:
    """Whom ``user`` signs ``step`` for: (principal user id, decisive). Their own place among the
    approvers first, then an approver who delegated to them today and has not signed yet; an
    approver of the organization the overdue step was escalated to decides alone."""
    if not getattr(user, "is_authenticated", False) or step.state != StepState.ACTIVE:
        return None, False
    approvers = set(step.approvers.values_list("user_id", flat=True))
    signed = set(step.signoffs.filter(round=step.round).values_list("principal_id", flat=True))
    if user.pk in approvers and user.pk not in signed:
        return user.pk, False
    for delegator in delegators_of(user, today or _today()):
        if delegator in approvers and delegator not in signed:
            return delegator, False
    if step.escalated_to is not None and user.pk in approvers_of(step.escalated_to):
        return user.pk, True
    return None, False


def _signer(app: Application, acting_user: ActingUser) -> tuple[Step, int, bool]:
    if app.state not in RUNNING:
        raise ValidationError({"state": _("This application is not waiting for a sign-off.")})
    step = _current(app)
    principal, decisive = signer_for(acting_user, step)
    if principal is None:
        raise PermissionDenied(_("You do not sign this step."))
    return step, principal, decisive


def _hand_over(app: Application, user: Any) -> None:
    """Hand the approved application to the module that owns its outcome (``core.hooks``); what it
    refuses fails the signature with its message, nothing written."""
    outcome = service_outcome(app.matter.outcome)
    if outcome is None:
        raise ValidationError({"outcome": _("The module that completes “%(matter)s” is not installed; the "
                                            "application cannot be approved.") % {"matter": app.matter.title}})
    if outcome.members_only and app.member_id is None:
        raise ValidationError({"outcome": _("“%(outcome)s” needs the applicant's member record.")
                               % {"outcome": outcome.label}})
    context = {"member_id": app.member_id, "applicant_id": app.applicant_id, "data": app.data,
               "number": app.number, "acting_user": user}
    try:
        with transaction.atomic():
            result = outcome.apply(context) or {}
    except PermissionDenied:
        raise ValidationError({"outcome": _("You may not complete “%(outcome)s” for this applicant; the last "
                                            "step needs someone who may.") % {"outcome": outcome.label}}) from None
    app.outcome_label = str(result.get("label", ""))[:200]
    app.outcome_url = str(result.get("url", ""))[:300]
    _history(app, "handed_over", user, f"{outcome.label}: {app.outcome_label}")
    audit.record(user, "service_application.handed_over", app,
                 after={"outcome": outcome.key, "label": app.outcome_label}, org_path=app.org_path,
                 target_label=app.number)


def _finish_steps(app: Application, user: Any) -> None:
    """The last step is signed: the application is approved (and its document issued)."""
    now = timezone.now()
    app.state = State.APPROVED
    app.decided_at = now
    app.decided_on_time = app.due_on is None or _today() <= app.due_on
    app.current_position = None
    _history(app, "approved", user)
    audit.record(user, "service_application.approved", app, after={"number": app.number},
                 org_path=app.org_path, target_label=app.number)
    if app.matter.outcome:
        _hand_over(app, user)
    if app.matter.issues_document:
        code = docs.new_code()
        facts = docs.facts_for(app)
        doc = Document.objects.create(application=app, code=code, facts=facts, mac=docs.compute_mac(code, facts))
        audit.record(user, "service_document.issued", doc, after={"number": app.number},
                     org_path=app.org_path, target_label=app.number)
    _notify_applicant(app, _("Your application %(number)s is approved.") % {"number": app.number})


def do_sign_step(app: Application, decision: str, comment: str = "", *, acting_user: ActingUser) -> Application:
    """Approve or reject the current step. A rejection (with its reason) ends the application; an
    approval completes the step once its rule is met (all / any / N of M; an approver of the
    organization it was escalated to decides alone), and the next step opens."""
    user = signed_in(acting_user)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose approve or reject.")})
    comment = _reason(comment, "comment", required=decision == Decision.REJECT)
    with transaction.atomic():
        app = _locked(app)
        step, principal, decisive = _signer(app, user)
        SignOff.objects.create(step=step, round=step.round, principal_id=principal, signed_by=user,
                               decision=decision, comment=comment)
        text = comment if principal == user.pk else _("%(comment)s (for an approver who delegated)") % {
            "comment": comment or "—"}
        _history(app, "approve" if decision == Decision.APPROVE else "reject", user, text, step.position)
        audit.record(user, "service_application.signed", app,
                     after={"step": step.position, "decision": decision, "principal": principal,
                            "decisive": decisive}, org_path=app.org_path, target_label=app.number)
        now = timezone.now()
        if decision == Decision.REJECT:
            step.state, step.closed_at = StepState.REJECTED, now
            step.save(update_fields=["state", "closed_at"])
            app.state, app.decided_at, app.reason = State.REJECTED, now, comment
            app.current_position = None
            app.decided_on_time = app.due_on is None or _today() <= app.due_on
            audit.record(user, "service_application.rejected", app, reason=comment, org_path=app.org_path,
                         target_label=app.number)
            _notify_applicant(app, _("Your application %(number)s is rejected.") % {"number": app.number}, comment)
            app.save()
            return app
        approvals = step.signoffs.filter(round=step.round, decision=Decision.APPROVE).values("principal_id")
        if decisive or approvals.distinct().count() >= step.required:
            step.state, step.closed_at = StepState.DONE, now
            step.days_taken = _days_taken(step, _today())
            step.save(update_fields=["state", "closed_at", "days_taken"])
            following = app.steps.select_related("organization").filter(position__gt=step.position) \
                .order_by("position").first()
            if following is None:
                _finish_steps(app, user)
            else:
                ids = _open_step(app, following, _today())
                _notify_approvers(app, ids, following)
            if app.state == State.SUBMITTED:
                app.state = State.IN_PROGRESS
        elif app.state == State.SUBMITTED:
            app.state = State.IN_PROGRESS
        app.save()
    return app


def _days_taken(step: Step, today: dt.date) -> int | None:
    """Working days a step took: its limit less the working days left to its (pause-extended)
    deadline; more than the limit when it was signed late."""
    if step.due_on is None:
        return None
    return max(0, step.limit_days - workdays.workdays_between(today, step.due_on))


RATING_MAX = 5


def do_rate_application(app: Application, stars: Any, comment: str = "", *,
                        acting_user: ActingUser) -> Application:
    """The applicant rates a decided application (approved or rejected) once, 1 to 5 stars with an
    optional comment."""
    user = signed_in(acting_user)
    if app.applicant_id != user.pk:
        raise PermissionDenied(_("Only the applicant rates an application."))
    try:
        value = int(stars)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= RATING_MAX:
        raise ValidationError({"rating": _("Rating: choose 1 to %(n)s stars.") % {"n": RATING_MAX}})
    comment = _reason(comment, "rating_comment", required=False)[:500]
    with transaction.atomic():
        app = _locked(app)
        if app.state not in (State.APPROVED, State.REJECTED):
            raise ValidationError({"rating": _("Rating: an application is rated once it is decided.")})
        if app.rating is not None:
            raise ValidationError({"rating": _("Rating: this application is already rated.")})
        app.rating, app.rating_comment, app.rated_at = value, comment, timezone.now()
        app.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        _history(app, "rated", user, "★" * value + (f" {comment}" if comment else ""))
        audit.record(user, "service_application.rated", app, after={"rating": value}, org_path=app.org_path,
                     target_label=app.number)
    return app


def do_return_application(app: Application, reason: str, *, to_position: int | None = None,
                          acting_user: ActingUser) -> Application:
    """Send the application back with a reason: to an earlier step (which signs again, as do the
    ones after it), or to the applicant (``to_position`` None), who changes it and submits again."""
    user = signed_in(acting_user)
    reason = _reason(reason)
    with transaction.atomic():
        app = _locked(app)
        step, _principal, _decisive = _signer(app, user)
        if to_position is not None and not 1 <= to_position < step.position:
            raise ValidationError({"to_position": _("Choose an earlier step.")})
        start = to_position if to_position is not None else 1
        app.steps.filter(position__gte=start).update(state=StepState.PENDING, round=F("round") + 1,
                                                     escalated_at=None, escalated_to=None, closed_at=None,
                                                     escalation_level=0, escalation_due_on=None)
        app.returns += 1
        app.reason = reason
        if to_position is None:
            app.state, app.current_position = State.RETURNED, None
            _notify_applicant(app, _("Your application %(number)s was returned to you.") % {"number": app.number},
                              reason)
        else:
            target = app.steps.select_related("organization").get(position=to_position)
            ids = _open_step(app, target, _today())
            app.state = State.IN_PROGRESS
            _notify_approvers(app, ids, target)
        _history(app, "returned", user, reason, to_position)
        audit.record(user, "service_application.returned", app, reason=reason,
                     after={"from": step.position, "to": to_position}, org_path=app.org_path,
                     target_label=app.number)
        app.save()
    return app


def do_request_supplement(app: Application, reason: str, *, acting_user: ActingUser) -> Application:
    """Ask the applicant for more material (补正): the clock stops until they supply it."""
    user = signed_in(acting_user)
    reason = _reason(reason)
    with transaction.atomic():
        app = _locked(app)
        step, _principal, _decisive = _signer(app, user)
        app.state, app.paused_on, app.reason = State.SUPPLEMENT, _today(), reason
        app.supplement_rounds += 1
        app.save()
        _history(app, "supplement", user, reason, step.position)
        audit.record(user, "service_application.supplement_requested", app, reason=reason,
                     org_path=app.org_path, target_label=app.number)
        _notify_applicant(app, _("More material is needed for your application %(number)s.") % {"number": app.number},
                          reason)
    return app


def _own(app: Application, user: Any) -> None:
    if app.applicant_id != getattr(user, "pk", None):
        raise PermissionDenied(_("Only the applicant may do this."))


def _merge(app: Application, data: Any, files: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = app.form_version.fields
    if not isinstance(data, dict):
        raise ValidationError({"data": _("The form data must be an object.")})
    typed = {f["key"] for f in schema if not f.get("known")}
    merged = {k: v for k, v in app.data.items() if k in typed}
    merged.update(data)
    attached = set(app.attachments.values_list("key", flat=True))  # a file already attached counts as given
    check = [{**f, "required": False} if f["type"] == "file" and f["key"] in attached else f for f in schema]
    return clean_data(check, merged, files=files)


def do_supply_material(app: Application, data: Any, *, files: dict[str, Any] | None = None,
                       acting_user: ActingUser) -> Application:
    """The applicant supplies what was asked for: the clock runs again, and every deadline moves
    by the working days it stood still."""
    user = signed_in(acting_user)
    _own(app, user)
    clean, clean_files = _merge(app, data, files)
    _member, known = known_for(user)
    with transaction.atomic():
        app = _locked(app)
        if app.state != State.SUPPLEMENT:
            raise ValidationError({"state": _("No material was requested for this application.")})
        today = _today()
        paused = max(0, workdays.workdays_between(app.paused_on or today, today))
        if paused:
            step = app.steps.filter(position=app.current_position or 0).first()
            if step is not None and step.due_on:
                step.due_on = workdays.add_workdays(step.due_on, paused)
                step.save(update_fields=["due_on"])
            if app.due_on:
                app.due_on = workdays.add_workdays(app.due_on, paused)
        app.paused_days += paused
        app.paused_on = None
        app.data = _fill_known(app.form_version.fields, clean, {**app.known, **known})
        app.state = State.IN_PROGRESS
        _save_files(app, clean_files)
        app.save()
        _history(app, "supplied", user, _("%(n)s working days paused") % {"n": paused})
        audit.record(user, "service_application.supplemented", app, after={"paused_days": paused},
                     org_path=app.org_path, target_label=app.number)
        step = app.steps.select_related("organization").get(position=app.current_position or 0)
        _notify_approvers(app, list(step.approvers.values_list("user_id", flat=True)), step)
    return app


def do_resubmit_application(app: Application, data: Any, *, files: dict[str, Any] | None = None,
                            acting_user: ActingUser) -> Application:
    """Submit a returned application again (same form version): the chain starts over."""
    user = signed_in(acting_user)
    _own(app, user)
    clean, clean_files = _merge(app, data, files)
    _member, known = known_for(user)
    with transaction.atomic():
        app = _locked(app)
        if app.state != State.RETURNED:
            raise ValidationError({"state": _("Only a returned application can be submitted again.")})
        today = _today()
        app.data = _fill_known(app.form_version.fields, clean, known)
        app.known = {**app.known, **known}
        app.resubmissions += 1
        app.state = State.SUBMITTED
        app.submitted_on = today
        app.due_on = workdays.deadline(today, app.matter.time_limit_days)
        _save_files(app, clean_files)
        first = app.steps.select_related("organization").order_by("position").first()
        ids = _open_step(app, first, today)  # type: ignore[arg-type]
        app.save()
        _history(app, "resubmitted", user)
        audit.record(user, "service_application.resubmitted", app, org_path=app.org_path, target_label=app.number)
        _notify_approvers(app, ids, first)  # type: ignore[arg-type]
    return app


def do_withdraw_application(app: Application, *, acting_user: ActingUser) -> Application:
    user = signed_in(acting_user)
    _own(app, user)
    with transaction.atomic():
        app = _locked(app)
        if app.state not in OPEN:
            raise ValidationError({"state": _("This application can no longer be withdrawn.")})
        app.steps.filter(state=StepState.ACTIVE).update(state=StepState.PENDING)
        app.state, app.current_position, app.decided_at = State.WITHDRAWN, None, timezone.now()
        app.save()
        _history(app, "withdrawn", user)
        audit.record(user, "service_application.withdrawn", app, org_path=app.org_path, target_label=app.number)
    return app


# --- delegation ---------------------------------------------------------------------------------

def do_delegate_signoffs(delegate: Any, starts_on: dt.date, ends_on: dt.date, *,
                         acting_user: ActingUser) -> Delegation:
    """Hand my sign-offs to ``delegate`` from ``starts_on`` to ``ends_on`` (inclusive)."""
    user = signed_in(acting_user)
    if not has_any(user, APPROVE):
        raise PermissionDenied(_("You sign no service steps."))
    if delegate is None or not getattr(delegate, "is_active", False):
        raise ValidationError({"delegate": _("Choose an active account.")})
    if delegate.pk == user.pk:
        raise ValidationError({"delegate": _("You cannot delegate to yourself.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end is before the start.")})
    if ends_on < _today():
        raise ValidationError({"ends_on": _("The end is in the past.")})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": _("A delegation lasts at most a year.")})
    with transaction.atomic():
        d = Delegation.objects.create(delegator=user, delegate=delegate, starts_on=starts_on, ends_on=ends_on)
        audit.record(user, "service_delegation.created", d,
                     after={"delegate": delegate.pk, "from": str(starts_on), "until": str(ends_on)})
    return d


# --- documents ----------------------------------------------------------------------------------

def do_revoke_document(doc: Document, reason: str, *, acting_user: ActingUser) -> Document:
    app = doc.application
    require(acting_user, MANAGE, app.matter.org_path)
    reason = _reason(reason)
    with transaction.atomic():
        doc = Document.objects.select_for_update().get(pk=doc.pk)
        if doc.revoked:
            raise ValidationError({"state": _("The document is already revoked.")})
        doc.revoked_at, doc.revoked_reason = timezone.now(), reason
        doc.save(update_fields=["revoked_at", "revoked_reason"])
        audit.record(acting_user, "service_document.revoked", doc, reason=reason, org_path=app.org_path,
                     target_label=app.number)
    return doc


# --- the deadline sweep (scheduled) ---------------------------------------------------------------

def _level(step: Step, today: dt.date) -> int:
    """The highest warning level reached: share of the step's working days used."""
    if step.due_on is None or not step.limit_days:
        return 0
    left = workdays.workdays_between(today, step.due_on)
    used = (step.limit_days - left) * 100 / step.limit_days
    return max((lv for lv in WARN_LEVELS if used >= lv), default=0)


def running_steps() -> Any:
    return Step.objects.filter(state=StepState.ACTIVE, application__state__in=RUNNING)


WARN_CHUNK = 1000
DIGEST_LISTED = 5


def _claim_warnings(level: int, pks: list[int]) -> list[int]:
    """Set ``warned_level`` to ``level`` on those of ``pks`` still below it; the ids this statement
    changed (``RETURNING``, SQLite ≥ 3.35 and PostgreSQL): a concurrent sweep gets the others."""
    if not pks:
        return []
    table = Step._meta.db_table
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET warned_level = %s WHERE id IN ({marks}) AND warned_level < %s "  # noqa: S608 - only placeholders are interpolated
                       "RETURNING id", [level, *pks, level])
        return [row[0] for row in cursor.fetchall()]


def _warning_messages(steps: list[tuple[Step, int]]) -> list[Message]:
    """One message per approver: the step itself when it is the only one, otherwise a digest
    (how many, the first numbers) that leads to the inbox."""
    by_step = {step.pk: (step, level) for step, level in steps}
    per_user: dict[int, list[tuple[Step, int]]] = {}
    for step_id, user_id in StepApprover.objects.filter(step_id__in=by_step).order_by("step_id", "user_id") \
            .values_list("step_id", "user_id"):
        per_user.setdefault(user_id, []).append(by_step[step_id])
    messages = []
    for user_id, mine in per_user.items():
        if len(mine) == 1:
            step, level = mine[0]
            app = step.application
            title = _("%(pct)s %% of the time for application %(number)s is used") % {"pct": level,
                                                                                    "number": app.number}
            body = _("Step “%(step)s”, due %(due)s.") % {"step": step.name, "due": step.due_on}
            messages.append(Message(user_id, title, body, _app_url(app)))
            continue
        mine.sort(key=lambda pair: (pair[0].due_on, pair[0].pk))
        numbers = "、".join(step.application.number for step, _level in mine[:DIGEST_LISTED])
        more = len(mine) - DIGEST_LISTED
        title = _("%(count)s applications waiting for you are running out of time") % {"count": len(mine)}
        body = (_("Earliest due first: %(numbers)s and %(more)s more.") % {"numbers": numbers, "more": more}
                if more > 0 else _("Earliest due first: %(numbers)s.") % {"numbers": numbers})
        messages.append(Message(user_id, title, body, reverse("services:inbox")))
    return messages


def warn_steps(today: dt.date | None = None) -> int:
    """Warn the approvers of each running step at 50, 80 and 100 % of its working days — once per
    level. Steps are taken a thousand at a time: one conditional UPDATE per level claims them
    (``warned_level < level``, returning the rows it changed, so a second sweep finds nothing to
    send) and ``notify_each`` sends one message per approver in the same transaction (a digest when
    several of their steps reached a level): a fixed number of queries per thousand steps."""
    today = today or _today()
    sent = 0
    rows = running_steps().filter(due_on__isnull=False).select_related("application") \
        .only("pk", "due_on", "limit_days", "warned_level", "name", "application__number",
              "application__public_id").order_by("pk")
    chunk: list[tuple[Step, int]] = []

    def flush() -> int:
        by_level: dict[int, list[int]] = {}
        for step, level in chunk:
            by_level.setdefault(level, []).append(step.pk)
        with transaction.atomic():
            claimed = {pk for level, pks in by_level.items() for pk in _claim_warnings(level, pks)}
            mine = [(step, level) for step, level in chunk if step.pk in claimed]
            if mine:
                notify_each("services.deadline", _warning_messages(mine))
        chunk.clear()
        return len(mine)

    for step in rows.iterator(chunk_size=2000):
        level = _level(step, today)
        if level > step.warned_level:
            chunk.append((step, level))
            if len(chunk) >= WARN_CHUNK:
                sent += flush()
    if chunk:
        sent += flush()
    return sent


def escalation_candidates(today: dt.date) -> list[int]:
    """Running steps past their deadline and not escalated yet, and grid-service steps escalated
    already whose current level is overdue too (they climb on)."""
    first = running_steps().filter(due_on__lt=today, escalated_at__isnull=True)
    climb = running_steps().filter(application__matter__grid_service=True, escalation_due_on__lt=today,
                                   escalated_to__isnull=False)
    return sorted({*first.values_list("pk", flat=True), *climb.values_list("pk", flat=True)})


def escalate_overdue(today: dt.date | None = None, candidates: list[int] | None = None) -> int:
    """Escalate each overdue running step to the organization above, exactly once per level: the
    claim is a conditional UPDATE on the level the sweep read (``escalation_level = L`` and, for
    the first level, ``escalated_at IS NULL``), so with two sweeps running at the same moment one
    of them updates the row and the other updates nothing. A grid-service step that stays
    unresolved for its time limit again climbs one more level (S18); other steps are escalated
    once. ``candidates`` lets a test hand in a list read before another sweep ran."""
    today = today or _today()
    if candidates is None:
        candidates = escalation_candidates(today)
    done = 0
    for pk in candidates:
        step = Step.objects.select_related("organization", "escalated_to", "application__matter").filter(pk=pk).first()
        if step is None:
            continue
        level = step.escalation_level
        # From where it waits now: its own organization, or where it was escalated or handed for
        # want of an approver; to the nearest organization above with an approver (the parent
        # when none has one).
        base = step.escalated_to if step.escalated_to is not None else step.organization
        parents = ancestor_paths(base.path)
        target, _ids = nearest_with_approvers(base.path)
        if target is None:
            target = Organization.objects.filter(path=parents[0]).first() if parents else None
        if target is None and level:
            continue  # a grid request at the top has nowhere further to climb
        target = target or step.organization
        grid = step.application.matter.grid_service
        claim = Step.objects.filter(pk=pk, escalation_level=level, state=StepState.ACTIVE)
        claim = (claim.filter(escalated_at__isnull=True, due_on__lt=today) if level == 0
                 else claim.filter(escalation_due_on__lt=today))
        with transaction.atomic():
            claimed = claim.update(escalated_at=timezone.now(), escalated_to=target, escalation_level=level + 1,
                                   escalation_due_on=workdays.deadline(today, step.limit_days) if grid else None)
            if not claimed:
                continue
            app = step.application
            _history(app, "escalated", None, target.name, step.position)
            audit.record(None, "service_application.escalated", app,
                         after={"step": step.position, "to": target.path, "level": level + 1},
                         org_path=app.org_path, target_label=app.number)
            ids = approvers_of(target)
            title = _("Overdue: application %(number)s is escalated to you") % {"number": app.number}
            body = _("Step “%(step)s” of %(org)s was due %(due)s.") % {"step": step.name, "org": base.name,
                                                                     "due": step.escalation_due_on or step.due_on}
            url = _app_url(app)
            transaction.on_commit(partial(notify, ids, "services.deadline", title=title, body=body, url=url))
        done += 1
    return done


def sweep_deadlines(today: dt.date | None = None) -> dict[str, int]:
    return {"warned": warn_steps(today), "escalated": escalate_overdue(today)}



# --- community volunteer tasks (在职党员到社区报到) ---------------------------------------------------

VOLUNTEER_MAX_PLACES = 500


def _require_community(user: Any, org_id: int, path: str) -> None:
    """The organization's grid workers and whoever approves service steps there run its tasks."""
    if org_id not in worker_grids(user):
        require(user, APPROVE, path)


def do_create_volunteer_task(org: Organization, data: dict[str, Any], *, acting_user: ActingUser) -> VolunteerTask:
    """A community's volunteer task, by whoever approves its service steps (its grid workers)."""
    user = signed_in(acting_user)
    _require_community(user, org.pk, org.path)
    errors: dict[str, str] = {}
    title = str(data.get("title") or "").replace("\x00", "").strip()
    if not title:
        errors["title"] = _("Task: a title is required.")
    elif len(title) > 200:
        errors["title"] = _("Task: at most %(n)s characters.") % {"n": 200}
    day = validators.as_date(data.get("day"))
    if day is None:
        errors["day"] = _("Day: give a date (YYYY-MM-DD).")
    elif day < _today():
        errors["day"] = _("Day: the day is in the past.")
    try:
        places = int(data.get("places") or 0)
    except (TypeError, ValueError):
        places = 0
    if not 1 <= places <= VOLUNTEER_MAX_PLACES:
        errors["places"] = _("Places: from 1 to %(n)s.") % {"n": VOLUNTEER_MAX_PLACES}
    if errors or not isinstance(day, dt.date):
        raise ValidationError(errors)
    with transaction.atomic():
        task = VolunteerTask.objects.create(organization=org, org_path=org.path, title=title,
                                            description=str(data.get("description") or "")[:2000], day=day,
                                            places=places, created_by=user)
        audit.record(user, "service_volunteer.task_created", task, after={"title": title, "day": str(day),
                                                                          "places": places},
                     org_path=org.path, target_label=title)
    return task


def do_sign_up_volunteer(task: VolunteerTask, *, acting_user: ActingUser) -> VolunteerSignup:
    """A member registered with the task's community (or below the task's organization) takes a place."""
    from dangjian.services.selectors import registered_paths

    user = signed_in(acting_user)
    paths = registered_paths(user)
    if not any(p.startswith(task.org_path) for p in paths):
        raise PermissionDenied(_("Register with this community first (在职党员到社区报到)."))
    with transaction.atomic():
        task = VolunteerTask.objects.select_for_update().get(pk=task.pk)
        if task.confirmed_at is not None or task.day < _today():
            raise ValidationError({"task": _("This task is over.")})
        if task.signups.filter(user=user).exists():
            raise ValidationError({"task": _("You have signed up for this task already.")})
        if task.signups.count() >= task.places:
            raise ValidationError({"task": _("All places of this task are taken.")})
        signup = VolunteerSignup.objects.create(task=task, user=user, name=(user.get_full_name() or user.username)[:64])
        audit.record(user, "service_volunteer.signed_up", task, org_path=task.org_path, target_label=task.title)
    return signup


def do_confirm_volunteering(task: VolunteerTask, user_ids: list[int], *, acting_user: ActingUser) -> int:
    """After the day, the community confirms who took part; that is verified activity
    (``core.hooks.activities_verified``, kind ``volunteering``: the party school's points)."""
    from dangjian.core.hooks import activities_verified

    user = signed_in(acting_user)
    _require_community(user, task.organization_id, task.org_path)
    with transaction.atomic():
        task = VolunteerTask.objects.select_for_update().get(pk=task.pk)
        if task.confirmed_at is not None:
            raise ValidationError({"task": _("This task is confirmed already.")})
        if task.day > _today():
            raise ValidationError({"task": _("Confirm the volunteers after the task's day.")})
        wanted = {int(i) for i in user_ids}
        came = list(task.signups.filter(user_id__in=wanted))
        VolunteerSignup.objects.filter(pk__in=[s.pk for s in came]).update(done=True)
        task.confirmed_at = timezone.now()
        task.save(update_fields=["confirmed_at"])
        audit.record(user, "service_volunteer.confirmed", task, after={"volunteers": len(came)},
                     org_path=task.org_path, target_label=task.title)
        url = reverse("services:volunteer")
        activities_verified([{"kind": "volunteering", "key": f"services.volunteer:{task.pk}", "user_id": s.user_id,
                              "day": task.day, "label": task.title, "url": url} for s in came])
    return len(came)


# --- grid workers (网格员, S18) -------------------------------------------------------------------

def _open_grid_steps(grid: Organization) -> Any:
    """Steps waiting at ``grid`` whose sign-off any one (or N) of its approvers completes; an
    "all approvers" step keeps the approvers it opened with."""
    return Step.objects.filter(organization=grid, state=StepState.ACTIVE, application__state__in=RUNNING,
                               rule__in=(SignOffRule.ANY, SignOffRule.QUORUM))


def do_appoint_grid_worker(grid: Organization, worker: Any, *, acting_user: ActingUser) -> GridWorker:
    """Appoint ``worker`` (an active account) grid worker of ``grid`` (a grid branch): they sign the
    grid's service steps from now on — joining the steps already waiting there — and see its open
    requests. Needs ``services.manage`` over the grid."""
    user = signed_in(acting_user)
    from dangjian.orgs import OrgKind

    if grid.kind != OrgKind.GRID_BRANCH or not grid.is_active:
        raise ValidationError({"grid": _("Grid: choose an active grid branch.")})
    require(user, MANAGE, grid.path)
    if worker is None or not getattr(worker, "is_active", False):
        raise ValidationError({"user": _("Grid worker: choose an active account.")})
    with transaction.atomic():
        if GridWorker.objects.filter(grid=grid, user=worker).exists():
            raise ValidationError({"user": _("Grid worker: already a grid worker of this grid.")})
        appointed = GridWorker.objects.create(grid=grid, org_path=grid.path, user=worker, appointed_by=user)
        worker.__dict__.pop(GRIDS_MEMO, None)
        waiting = list(_open_grid_steps(grid).exclude(approvers__user=worker).values_list("pk", flat=True)[:5000])
        StepApprover.objects.bulk_create([StepApprover(step_id=pk, user=worker) for pk in waiting],
                                         ignore_conflicts=True)
        audit.record(user, "service_grid_worker.appointed", appointed, after={"user": worker.pk, "steps": len(waiting)},
                     org_path=grid.path, target_label=grid.name)
    return appointed


def do_remove_grid_worker(appointed: GridWorker, *, acting_user: ActingUser) -> None:
    """End an appointment: the worker leaves the grid's waiting steps they have not signed (steps
    that need every approver keep them) and no longer sees the grid's requests."""
    user = signed_in(acting_user)
    require(user, MANAGE, appointed.org_path)
    with transaction.atomic():
        grid = appointed.grid
        StepApprover.objects.filter(step__in=_open_grid_steps(grid), user_id=appointed.user_id).exclude(
            step__signoffs__signed_by_id=appointed.user_id).delete()
        audit.record(user, "service_grid_worker.removed", appointed, before={"user": appointed.user_id},
                     org_path=appointed.org_path, target_label=grid.name)
        appointed.delete()
        if (cached := appointed._state.fields_cache.get("user")) is not None:
            cached.__dict__.pop(GRIDS_MEMO, None)
