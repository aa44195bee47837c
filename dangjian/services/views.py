"""Pages of the service centre. Thin: parse → selector/access → one action → render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.actors import signed_in
from dangjian.core.hooks import service_outcomes
from dangjian.core.scoping import in_scope
from dangjian.orgs import OrgKind
from dangjian.orgs.selectors import access_org, org_choices, scope_roots
from dangjian.services import Anchor, Decision, FieldType, SignOffRule, State
from dangjian.services import actions as act
from dangjian.services import documents as docs
from dangjian.services.actions import known_for, signer_for
from dangjian.services.forms import KNOWN_FIELDS, MatterForm, rows_from_post, schema_from_rows
from dangjian.services.models import VolunteerSignup
from dangjian.services.selectors import (
    access_application,
    access_managed_matter,
    access_matter,
    chain_of,
    current_steps,
    delegate_account,
    document_of,
    grid_requests,
    grid_workers_of,
    grids_of,
    grids_worked_by,
    inbox_for,
    managed_grids,
    managed_matters,
    matters_for,
    may_manage,
    my_applications,
)
from dangjian.services.workbench import may_sign

PAGE_SIZE = 25
FIELD_NAMES = ("key", "label", "type", "required", "known", "choices", "max_length")
STEP_NAMES = ("name", "anchor", "anchor_kind", "fixed_organization", "rule", "quorum", "time_limit_days")


def _errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def _typed(schema: list[dict[str, Any]], post: Any) -> dict[str, Any]:
    return {f["key"]: post.get(f["key"], "") for f in schema if not f.get("known") and f["type"] != FieldType.FILE}


def _form_rows(schema: list[dict[str, Any]], values: dict[str, Any], known: dict[str, str],
               errors: dict[str, str]) -> list[dict[str, Any]]:
    return [{**f, "value": known.get(f["known"], "") if f.get("known") else values.get(f["key"], ""),
             "error": errors.get(f["key"], "")} for f in schema]


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "services/catalogue.html", {"matters": list(matters_for(request.user)[:200])})


@login_required
def apply(request: HttpRequest, matter_id: int) -> HttpResponse:
    matter = access_matter(request.user, matter_id)
    version = matter.current_form()
    schema = version.fields if version else []
    member, known = known_for(request.user)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _typed(schema, request.POST)
        try:
            app = act.do_submit_application(matter, values, files=dict(request.FILES.items()),
                                            organization=request.POST.get("organization"),
                                            acting_user=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Your application %(number)s is submitted.") % {"number": app.number})
            return redirect("services:application", app.public_id)
    return render(request, "services/apply.html", {
        "matter": matter, "rows": _form_rows(schema, values, known, errors), "errors": errors,
        "grids": grids_of(matter) if matter.grid_service else [],
        "own_grid": member.organization_id if member is not None else None,
        "steps": list(matter.step_definitions.select_related("fixed_organization"))})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(my_applications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    apps = list(page.object_list)
    current = current_steps(apps)
    rows = [{"app": a, "step": current.get(a.pk)} for a in apps]
    return render(request, "services/mine.html", {"page": page, "rows": rows})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not may_sign(request.user):
        raise PermissionDenied(_("You sign no service steps."))
    page = Paginator(inbox_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "services/inbox.html", {"page": page, "steps": list(page.object_list)})


@login_required
def application(request: HttpRequest, public_id: str) -> HttpResponse:
    app = access_application(request.user, public_id)
    steps = chain_of(app)
    current = next((s for s in steps if s.position == app.current_position), None)
    principal, decisive = signer_for(request.user, current) if current else (None, False)
    mine_ = app.applicant_id == request.user.pk
    schema = app.form_version.fields
    _member, known = known_for(request.user) if mine_ else (None, {})
    doc = document_of(app) if app.state == State.APPROVED else None
    return render(request, "services/application.html", {
        "app": app, "steps": steps, "current": current, "signer": principal is not None, "decisive": decisive,
        "history": list(app.history.select_related("actor")), "mine": mine_,
        "rows": [{**f, "value": app.data.get(f["key"], "")} for f in schema],
        "edit_rows": _form_rows(schema, app.data, {**app.known, **known}, {}) if mine_ else [],
        "attachments": list(app.attachments.all()), "doc": doc,
        "verify": docs.verify(doc.code) if doc else None, "manager": may_manage(request.user, app),
        "earlier": [s for s in steps if current and s.position < current.position], "State": State})


def _then_back(request: HttpRequest, app: Any, run: Callable[[], Any], done: str) -> HttpResponse:
    """Run one action of an application's page, tell the user how it went (each refusal as its
    own message) and go back to the application."""
    try:
        run()
    except ValidationError as exc:
        for message in _errors(exc).values():
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("services:application", app.public_id)


@login_required
@require_POST
def decide(request: HttpRequest, public_id: str) -> HttpResponse:
    app = access_application(request.user, public_id)
    what = request.POST.get("action", "")
    reason = request.POST.get("reason", "")

    def run() -> None:
        if what in (Decision.APPROVE, Decision.REJECT):
            act.do_sign_step(app, what, reason, acting_user=request.user)
        elif what == "return":
            to = request.POST.get("to_position", "")
            act.do_return_application(app, reason, to_position=int(to) if to.isdigit() else None,
                                      acting_user=request.user)
        elif what == "supplement":
            act.do_request_supplement(app, reason, acting_user=request.user)
        else:
            raise ValidationError({"action": _("Choose what to do.")})

    return _then_back(request, app, run, _("Done."))


@login_required
@require_POST
def applicant_action(request: HttpRequest, public_id: str) -> HttpResponse:
    app = access_application(request.user, public_id)
    what = request.POST.get("action", "")
    data = _typed(app.form_version.fields, request.POST)
    files = dict(request.FILES.items())

    def run() -> None:
        if what == "withdraw":
            act.do_withdraw_application(app, acting_user=request.user)
        elif what == "supply":
            act.do_supply_material(app, data, files=files, acting_user=request.user)
        elif what == "resubmit":
            act.do_resubmit_application(app, data, files=files, acting_user=request.user)
        elif what == "rate":
            act.do_rate_application(app, request.POST.get("rating"), request.POST.get("rating_comment", ""),
                                    acting_user=request.user)
        else:
            raise ValidationError({"action": _("Choose what to do.")})

    return _then_back(request, app, run, _("Done."))


@login_required
def document_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    app = access_application(request.user, public_id)
    doc = document_of(app)
    if doc is None:
        raise Http404(_("Not found."))
    pdf = docs.render_pdf(doc, request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{app.number}.pdf"'
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    app = access_application(request.user, public_id)
    doc = document_of(app)
    if doc is None:
        raise Http404(_("Not found."))
    return _then_back(request, app, lambda: act.do_revoke_document(doc, request.POST.get("reason", ""),
                                                                   acting_user=request.user),
                      _("The document is revoked."))


@login_required
def attachment(request: HttpRequest, public_id: str, attachment_id: int) -> FileResponse:
    app = access_application(request.user, public_id)
    att = app.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise Http404(_("Not found."))
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what the QR code of a document points at (no account needed)."""
    result = docs.verify(code)
    return render(request, "services/verify.html", {"result": result}, status=200 if result.found else 404)


@login_required
def delegate(request: HttpRequest) -> HttpResponse:
    if not may_sign(request.user):
        raise PermissionDenied(_("You sign no service steps."))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            user = delegate_account(request.POST.get("delegate", ""))
            starts = dt.date.fromisoformat(request.POST.get("starts_on", ""))
            ends = dt.date.fromisoformat(request.POST.get("ends_on", ""))
        except ValueError:
            errors = {"ends_on": _("Give both dates (YYYY-MM-DD).")}
        else:
            try:
                act.do_delegate_signoffs(user, starts, ends, acting_user=request.user)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Your sign-offs are delegated."))
                return redirect("services:inbox")
    return render(request, "services/delegate.html", {"errors": errors, "post": request.POST})


# --- grid service (S18): the grid worker's phone page, appointing grid workers ---------------------

@login_required
def grid(request: HttpRequest) -> HttpResponse:
    """The open requests of my grids, earliest deadline first: waiting for me, climbed above the
    grid, or back with the applicant."""
    grids = grids_worked_by(request.user)
    if not grids:
        raise PermissionDenied(_("You are no grid worker."))
    page = Paginator(grid_requests(grids), PAGE_SIZE).get_page(request.GET.get("page"))
    apps = list(page.object_list)
    current = current_steps(apps)
    waiting = set(inbox_for(request.user).filter(application_id__in=[a.pk for a in apps])
                  .values_list("application_id", flat=True))
    rows = [{"app": a, "step": current.get(a.pk), "mine": a.pk in waiting} for a in apps]
    return render(request, "services/grid.html", {"grids": grids, "page": page, "rows": rows})


@login_required
def grid_workers(request: HttpRequest) -> HttpResponse:
    """Appoint and remove the grid workers of the grids I manage."""
    grids = list(managed_grids(request.user).values_list("pk", "name")[:2000])
    if not grids:
        raise PermissionDenied(_("You manage no grid branch."))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                appointed = grid_workers_of(request.user).filter(pk=_int(request.POST.get("worker"))).first()
                if appointed is None:
                    raise Http404(_("Not found."))
                act.do_remove_grid_worker(appointed, acting_user=request.user)
                messages.success(request, _("The grid worker is removed."))
            else:
                target = managed_grids(request.user).filter(pk=_int(request.POST.get("grid"))).first()
                if target is None:
                    raise ValidationError({"grid": _("Grid: choose one of your grid branches.")})
                act.do_appoint_grid_worker(target, delegate_account(request.POST.get("user", "")),
                                           acting_user=request.user)
                messages.success(request, _("The grid worker is appointed."))
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect("services:grid_workers")
    page = Paginator(grid_workers_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "services/grid_workers.html", {
        "grids": grids, "page": page, "workers": list(page.object_list), "errors": errors,
        "values": request.POST if request.method == "POST" else {}})


@login_required
def measures(request: HttpRequest) -> HttpResponse:
    """Measures beyond stars for an organization of my scope, per matter and per child
    organization: the registered figures side by side (``figures.measures``)."""
    from django.utils import timezone

    from dangjian.services.figures import measures as measures_of

    roots = scope_roots(request.user, "services.approve")
    if not roots:
        raise PermissionDenied(_("You sign no service steps."))
    org = access_org(request.user, _int(request.GET["org"]), perm="services.approve") if request.GET.get("org") \
        else roots[0]
    today = timezone.localdate()
    return render(request, "services/measures.html", {
        "org": org, "year": today.year, "by_matter": measures_of(org.path, today, "matter"),
        "by_org": measures_of(org.path, today, "child")})


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


# --- administrators: matters, chains, forms --------------------------------------------------------

@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(managed_matters(request.user).order_by("title", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    if not org_choices(request.user, "services.manage", branches_only=False, limit=1):
        raise PermissionDenied(_("Your role may not manage service matters."))
    return render(request, "services/matters.html", {"page": page, "matters": list(page.object_list)})


def _editor_context(request: HttpRequest, matter: Any, form: MatterForm, fields: list[dict[str, Any]],
                    steps: list[dict[str, Any]], errors: dict[str, str]) -> dict[str, Any]:
    return {"matter": matter, "form": form, "fields": [*fields, {}], "steps": [*steps, {}], "errors": errors,
            "org_choices": org_choices(request.user, "services.manage", branches_only=False),
            "FieldType": FieldType, "Anchor": Anchor, "SignOffRule": SignOffRule, "OrgKind": OrgKind,
            "known_fields": list(KNOWN_FIELDS.items()), "outcomes": service_outcomes()}


@login_required
def matter_edit(request: HttpRequest, matter_id: int | None = None) -> HttpResponse:
    choices = org_choices(request.user, "services.manage", branches_only=False)
    if not choices:
        raise PermissionDenied(_("Your role may not manage service matters."))
    matter = access_managed_matter(request.user, matter_id) if matter_id else None
    version = matter.current_form() if matter else None
    fields = version.fields if version else []
    steps = [{"name": d.name, "anchor": d.anchor, "anchor_kind": d.anchor_kind,
              "fixed_organization": d.fixed_organization_id, "rule": d.rule, "quorum": d.quorum,
              "time_limit_days": d.time_limit_days} for d in matter.step_definitions.all()] if matter else []
    initial = {f: getattr(matter, f) for f in ("title", "description", "audience", "time_limit_days", "active",
                                               "issues_document", "document_text", "grid_service", "disclose_steps",
                                               "outcome", "community_registration", "instant")} \
        if matter else {"active": True}
    form = MatterForm(request.POST or None, initial=initial)
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields = schema_from_rows(rows_from_post(request.POST, "f", (*FIELD_NAMES, "order")))
        steps = [{**r, "fixed_organization": int(r["fixed_organization"]) if str(r["fixed_organization"]).isdigit()
                  else None} for r in rows_from_post(request.POST, "s", (*STEP_NAMES, "order"))]
        if form.is_valid():
            org = matter.organization if matter else access_org(request.user, request.POST.get("org"),
                                                                perm="services.manage")
            try:
                saved = act.do_save_matter(org, form.cleaned_data, steps, matter=matter, fields=fields,
                                           acting_user=request.user)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("The matter is saved."))
                return redirect("services:matter_edit", saved.pk)
    return render(request, "services/matter_edit.html", _editor_context(request, matter, form, fields, steps, errors))



@login_required
def volunteer(request: HttpRequest) -> HttpResponse:
    """在职党员到社区报到: the coming tasks of my communities (sign up), and for grid workers and the
    community's approvers the tasks they manage (create one)."""
    from dangjian.services.selectors import managed_volunteer_tasks, volunteer_tasks_for

    errors: dict[str, str] = {}
    worked = grids_worked_by(request.user)
    orgs = list(dict([*((g.pk, g.name) for g in worked),
                      *org_choices(request.user, "services.approve", branches_only=False)]).items())
    if request.method == "POST":
        try:
            org = next((g for g in worked if str(g.pk) == request.POST.get("org")), None) \
                or access_org(request.user, request.POST.get("org"), perm="services.approve")
            act.do_create_volunteer_task(org, request.POST.dict(), acting_user=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The task is published to the registered members."))
            return redirect("services:volunteer")
    mine = set(VolunteerSignup.objects.filter(user=signed_in(request.user)).values_list("task_id", flat=True)[:500])
    return render(request, "services/volunteer.html", {
        "tasks": list(volunteer_tasks_for(request.user)[:100]), "mine": mine, "orgs": orgs, "errors": errors,
        "managed": list(managed_volunteer_tasks(request.user).annotate(n=Count("signups"))[:100]) if orgs else [],
        "values": request.POST if request.method == "POST" else {}})


@login_required
def volunteer_task(request: HttpRequest, task_id: int) -> HttpResponse:
    from dangjian.services.selectors import access_volunteer_task

    task = access_volunteer_task(request.user, task_id)
    manager = (in_scope(request.user, "services.approve", task.org_path)
               or any(g.pk == task.organization_id for g in grids_worked_by(request.user)))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                ids = [int(i) for i in request.POST.getlist("came") if str(i).isdigit()]
                n = act.do_confirm_volunteering(task, ids, acting_user=request.user)
                messages.success(request, _("%(n)s volunteers confirmed.") % {"n": n})
            else:
                act.do_sign_up_volunteer(task, acting_user=request.user)
                messages.success(request, _("You are signed up."))
        except ValidationError as exc:
            for message in _errors(exc).values():
                messages.error(request, message)
        return redirect("services:volunteer_task", task.pk)
    return render(request, "services/volunteer_task.html", {
        "task": task, "manager": manager, "signups": list(task.signups.all()) if manager else [],
        "taken": task.signups.count(), "signed": task.signups.filter(user=signed_in(request.user)).exists()})
