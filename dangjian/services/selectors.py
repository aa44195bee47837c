"""Every read of the service centre, scoped through core.scoping.

- The catalogue: active matters of the applicant's organization or one above it (members), and
  every active public matter.
- Applications: the applicant's own; for staff, those whose applicant's organization lies in
  their ``services.approve`` scope (a town sees its own subtree's only), plus those with a step
  they sign (as approver, delegate, or the organization an overdue step was escalated to).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.scoping import get_scoped_or_404, has_any, in_scope, scoped, subtree_q
from dangjian.members.selectors import member_of_user
from dangjian.services import OPEN, RUNNING, Audience, StepState
from dangjian.services.chain import APPROVE, ancestor_paths, delegators_of, escalated_approvers_q, worker_grids
from dangjian.services.models import (
    Application,
    Document,
    GridWorker,
    Matter,
    SignOff,
    Step,
    StepApprover,
    VolunteerTask,
)

MANAGE = "services.manage"


def matters_for(user: Any) -> QuerySet[Matter]:
    """The catalogue for ``user``."""
    q = Q(audience=Audience.PUBLIC)
    member = member_of_user(user) if getattr(user, "is_authenticated", False) else None
    if member is not None:
        q |= Q(org_path__in=[member.org_path, *ancestor_paths(member.org_path)])
    return Matter.objects.filter(q, active=True).select_related("organization").order_by("title", "pk")


def access_matter(user: Any, matter_id: Any) -> Matter:
    try:
        return matters_for(user).get(pk=int(matter_id))
    except (Matter.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def grids_of(matter: Matter) -> list[tuple[int, str]]:
    """The grid branches a grid-service request may be for (under the matter's organization)."""
    from dangjian.orgs import OrgKind
    from dangjian.orgs.models import Organization

    return list(Organization.objects.filter(subtree_q(matter.org_path), kind=OrgKind.GRID_BRANCH, is_active=True)
                .order_by("path").values_list("pk", "name")[:2000])


def managed_matters(user: Any) -> QuerySet[Matter]:
    return scoped(Matter.objects.select_related("organization"), user, MANAGE, path_field="org_path")


def access_managed_matter(user: Any, matter_id: Any) -> Matter:
    return get_scoped_or_404(Matter.objects.select_related("organization"), user, MANAGE, path_field="org_path",
                             pk=matter_id)


def my_applications(user: Any) -> QuerySet[Application]:
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return Application.objects.filter(applicant=user).select_related("matter", "organization").defer("data_text")


def _signing_q(user: Any, today: dt.date) -> Q:
    """Steps ``user`` signs: their own place, a delegator's, or an escalation to their organization."""
    principals = [user.pk, *delegators_of(user, today)]
    # Driven from the approver index (user, step): a branch secretary's few steps are found
    # without walking every active step of the county.
    return Q(pk__in=StepApprover.objects.filter(user_id__in=principals).values("step_id")) \
        | escalated_approvers_q(user)


def applications_for(user: Any) -> QuerySet[Application]:
    """Applications ``user`` may open: their own, their scope's, and those with a step they sign."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    extra = Q(applicant=user)
    grids = worker_grids(user)
    if has_any(user, APPROVE) or grids or delegators_of(user, timezone.localdate()):
        steps = Step.objects.filter(_signing_q(user, timezone.localdate())).values("application_id")
        extra |= Q(pk__in=steps)
    if grids:  # a grid worker opens every request of their grid, wherever it waits now
        extra |= Q(organization_id__in=grids, matter__grid_service=True)
    qs = Application.objects.select_related("matter", "organization")
    return scoped(qs, user, APPROVE, path_field="org_path", extra=extra)


def access_application(user: Any, public_id: str) -> Application:
    try:
        return applications_for(user).get(public_id=str(public_id)[:32])
    except Application.DoesNotExist:
        raise Http404(_("Not found.")) from None


def inbox_for(user: Any) -> QuerySet[Step]:
    """The steps waiting for ``user``'s sign-off (not signed by them in this round yet), overdue and
    nearest deadline first."""
    if not getattr(user, "is_authenticated", False):
        return Step.objects.none()
    today = timezone.localdate()
    signed = SignOff.objects.filter(step=OuterRef("pk"), round=OuterRef("round"), signed_by_id=user.pk)
    return (Step.objects.filter(_signing_q(user, today), ~Exists(signed), state=StepState.ACTIVE,
                                application__state__in=RUNNING)
            .select_related("application__matter", "organization").defer("application__data_text")
            .order_by("due_on", "pk"))


def grids_worked_by(user: Any) -> list[Any]:
    """The grid branches ``user`` is a grid worker of."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [w.grid for w in GridWorker.objects.filter(user_id=user.pk).select_related("grid").order_by("org_path")[:100]]


def grid_requests(grids: list[Any]) -> QuerySet[Application]:
    """The open requests of grid-service matters from ``grids`` (the caller's, from
    ``grids_worked_by``): waiting at the grid, climbed above it, or back with the applicant —
    earliest deadline first."""
    if not grids:
        return Application.objects.none()
    return (Application.objects.filter(org_path__in=[g.path for g in grids], state__in=OPEN,
                                       matter__grid_service=True)
            .select_related("matter", "organization").defer("data_text").order_by("due_on", "pk"))


def managed_grids(user: Any) -> QuerySet[Any]:
    """The grid branches where ``user`` appoints grid workers (``services.manage`` over them)."""
    from dangjian.orgs import OrgKind
    from dangjian.orgs.models import Organization

    return scoped(Organization.objects.filter(kind=OrgKind.GRID_BRANCH, is_active=True), user, MANAGE,
                  path_field="path").order_by("path")


def grid_workers_of(user: Any) -> QuerySet[GridWorker]:
    """The grid workers of the grids ``user`` manages."""
    return scoped(GridWorker.objects.select_related("grid", "user"), user, MANAGE,
                  path_field="org_path").order_by("org_path", "pk")


def unstaffed_grids(user: Any) -> QuerySet[Any]:
    """Grid branches ``user`` manages with open grid requests and nobody to sign them: no grid
    worker and nobody holding ``services.approve`` on the grid itself."""
    from dangjian.core.models import RoleAssignment
    from dangjian.core.roles import roles_with

    open_requests = Application.objects.filter(organization=OuterRef("pk"), state__in=OPEN, matter__grid_service=True)
    return (managed_grids(user).filter(Exists(open_requests))
            .exclude(Exists(GridWorker.objects.filter(grid=OuterRef("pk"), user__is_active=True)))
            .exclude(Exists(RoleAssignment.objects.filter(organization=OuterRef("pk"), role__in=roles_with(APPROVE),
                                                          user__is_active=True))))


def current_steps(apps: list[Application]) -> dict[int, Step]:
    """The step each of ``apps`` (already read through a scoped selector) stands at, by the
    application's id: one query for a page of applications."""
    steps = Step.objects.filter(application_id__in=[a.pk for a in apps]).select_related("organization", "escalated_to")
    by_position = {(s.application_id, s.position): s for s in steps}
    return {a.pk: step for a in apps if (step := by_position.get((a.pk, a.current_position or 0))) is not None}


def delegate_account(username: str) -> Any:
    """The active account named as a delegate, or None. Any active account may be named: the
    delegation only lets it sign what the delegator may sign (``chain.delegators_of``), and
    ``do_delegate_signoffs`` checks the rest."""
    from dangjian.core.models import User

    return User.objects.filter(username=username.strip()[:150], is_active=True).first()


def chain_of(app: Application) -> list[Step]:
    return list(app.steps.select_related("organization", "escalated_to").order_by("position"))


def document_of(app: Application) -> Document | None:
    return Document.objects.filter(application=app).first()


def may_manage(user: Any, app: Application) -> bool:
    return in_scope(user, MANAGE, app.matter.org_path)


def registered_paths(user: Any) -> list[str]:
    """The communities (grid branches) ``user`` is registered with: approved applications of a
    community-registration matter (在职党员到社区报到)."""
    if not getattr(user, "is_authenticated", False):
        return []
    from dangjian.services import State

    return list(Application.objects.filter(applicant=user, state=State.APPROVED,
                                           matter__community_registration=True)
                .values_list("org_path", flat=True).distinct()[:50])


def volunteer_tasks_for(user: Any) -> QuerySet[VolunteerTask]:
    """Coming tasks of the communities ``user`` is registered with and of the organizations above them."""
    paths = {a for p in registered_paths(user) for a in (p, *ancestor_paths(p))}
    return (VolunteerTask.objects.filter(org_path__in=paths, confirmed_at__isnull=True,
                                         day__gte=timezone.localdate())
            .select_related("organization").order_by("day", "pk"))


def managed_volunteer_tasks(user: Any) -> QuerySet[VolunteerTask]:
    """Tasks of the organizations where ``user`` approves service steps, and of their grids."""
    grids = worker_grids(user)
    return scoped(VolunteerTask.objects.select_related("organization"), user, APPROVE, path_field="org_path",
                  extra=Q(organization_id__in=grids) if grids else None).order_by("-day", "-pk")


def open_volunteer_tasks(user: Any) -> QuerySet[VolunteerTask]:
    """Coming tasks of ``user``'s communities they have not signed up for (their to-do)."""
    return volunteer_tasks_for(user).exclude(signups__user_id=user.pk)


def volunteer_tasks_to_confirm(user: Any) -> QuerySet[VolunteerTask]:
    """Tasks whose day has come and whose volunteers nobody confirmed yet, of the organizations
    ``user`` runs tasks for directly: their grids, or where they hold ``services.approve`` on the
    organization itself (a county approver is not asked about every community's task)."""
    if not getattr(user, "is_authenticated", False):
        return VolunteerTask.objects.none()
    from dangjian.core.models import RoleAssignment
    from dangjian.core.roles import roles_with

    own = RoleAssignment.objects.filter(user_id=user.pk, role__in=roles_with(APPROVE)).values("organization_id")
    grids = GridWorker.objects.filter(user_id=user.pk).values("grid_id")
    return (VolunteerTask.objects.filter(Q(organization_id__in=own) | Q(organization_id__in=grids),
                                         confirmed_at__isnull=True, day__lte=timezone.localdate())
            .select_related("organization").order_by("day", "pk"))


def access_volunteer_task(user: Any, task_id: Any) -> VolunteerTask:
    """A task ``user`` manages or may sign up for; 404 otherwise."""
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None
    task = (managed_volunteer_tasks(user).filter(pk=pk).first()
            or VolunteerTask.objects.select_related("organization").filter(
                pk=pk, org_path__in={a for p in registered_paths(user) for a in (p, *ancestor_paths(p))}).first())
    if task is None:
        raise Http404(_("Not found."))
    return task
