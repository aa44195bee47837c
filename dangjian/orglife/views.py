"""Pages of organizational life. Thin: parse → access_/selector → one action → render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import has_any, in_scope
from dangjian.core.spreadsheets import xlsx_response
from dangjian.core.ui import own_member
from dangjian.core.workbench import note_visit
from dangjian.orglife import (
    OPEN_STATUSES,
    PICKED_ATTENDEE_KINDS,
    QUORUM_KINDS,
    ActivityKind,
    ActivityStatus,
    CriticismKind,
    Grade,
    LeaveStatus,
)
from dangjian.orglife import actions as act
from dangjian.orglife import qr as qrcodes
from dangjian.orglife import review_actions as rev
from dangjian.orglife.compliance import branches_under, compliance_for, inactive_branches
from dangjian.orglife.conf import conf
from dangjian.orglife.forms import (
    ActivityEditForm,
    ActivityFilterForm,
    ActivityForm,
    CloseForm,
    ReasonForm,
    ResolutionForm,
    VoteForm,
)
from dangjian.orglife.ical import build_calendar, feed_token
from dangjian.orglife.models import Attendee, Material, Photo, Rectification, Resolution
from dangjian.orglife.selectors import (
    access_activity,
    activities_for,
    attendee_of,
    attendees,
    can_manage,
    feed_for_token,
    filter_activities,
    ledger,
    manage_activity,
    my_attendances,
    my_ratings,
    not_signed_in,
    quorum,
    resolutions_with_tallies,
    review_results,
    review_rows,
    roster,
)
from dangjian.orgs.models import Organization, PartyGroup
from dangjian.orgs.selectors import access_org, org_choices

_PENDING = "orglife_pending_checkin"


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, int(conf("PAGE_SIZE"))).get_page(request.GET.get("page"))


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


# --- Lists -----------------------------------------------------------------------------------------
@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    if not has_any(request.user, "orglife.view"):
        return redirect("orglife:mine")
    choices = org_choices(request.user, "orglife.view", branches_only=False, levels=3)
    form = ActivityFilterForm(request.GET or None, org_choices=choices)
    qs = activities_for(request.user)
    if form.is_valid():
        org_path = access_org(request.user, form.cleaned_data["org"], perm="orglife.view").path if form.cleaned_data["org"] else None
        qs = filter_activities(qs, org_path=org_path, kind=form.cleaned_data["kind"] or None,
                               status=form.cleaned_data["status"] or None)
    page = _page(request, qs.order_by("-starts_at", "-pk"))
    return render(request, "orglife/list.html", {
        "form": form, "page": page, "activities": page.object_list,
        "can_plan": has_any(request.user, "orglife.manage"),
    })


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    member = own_member(request.user)
    if member is None and not has_any(request.user, "orglife.view"):
        return redirect("core:home")  # no activities of one's own without being a party member
    page = _page(request, my_attendances(request.user))
    feed = None
    if member is not None:
        feed = request.build_absolute_uri(reverse("orglife:member_feed", args=[member.pk, feed_token("member", member.pk)]))
    results = review_results(member) if member is not None else []
    return render(request, "orglife/mine.html", {"page": page, "rows": page.object_list, "feed_url": feed,
                                                 "results": results})


# --- Planning --------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    choices = org_choices(request.user, "orglife.manage")
    if not choices:
        raise PermissionDenied(_("Your role may not plan activities."))
    raw = request.POST.get("org") or request.GET.get("org") or (str(choices[0][0]) if len(choices) == 1 else "")
    org = None
    if raw:
        org = access_org(request.user, raw if raw.isdigit() else 0, perm="orglife.manage")
    groups = [(g.pk, g.name) for g in PartyGroup.objects.filter(branch=org).order_by("name")] if org else []
    members = [(m.pk, f"{m.person.name}（{m.get_status_display()}）") for m in roster(org)] if org else []
    if request.method == "POST" and org is not None:
        form = ActivityForm(request.POST, request.FILES, groups=groups, members=members)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("attendees", "materials")}
            try:
                activity = act.do_plan_activity(org, data, acting_user=request.user,
                                                attendee_ids=form.cleaned_data["attendees"],
                                                materials=form.cleaned_data["materials"])
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("The activity is planned. Notify the attendees when you are ready."))
                return redirect("orglife:detail", activity.pk)
    else:
        # The workbench's "meeting due" to-do opens the form with its kind chosen.
        kind = request.GET.get("kind", "")
        form = ActivityForm(groups=groups, members=members,
                            initial={"kind": kind} if kind in ActivityKind.values else None)
    return render(request, "orglife/plan.html", {
        "form": form, "org": org, "org_choices": choices, "picked_kinds": sorted(PICKED_ATTENDEE_KINDS)})


@login_required
def edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Change a planned activity's topic, time, place, link or agenda."""
    activity = access_activity(request.user, activity_id)
    if not can_manage(request.user, activity):
        raise PermissionDenied(_("Your role may not change this activity."))
    initial = {f: getattr(activity, f) for f in act.EDITABLE_FIELDS}
    for f in ("starts_at", "ends_at"):
        initial[f] = timezone.localtime(initial[f]).strftime("%Y-%m-%dT%H:%M")
    form = ActivityEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            act.do_update_activity(activity, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("The activity is changed. Attendees already notified were told."))
            return redirect("orglife:detail", activity.pk)
    return render(request, "orglife/edit.html", {"form": form, "activity": activity})


# --- Detail ----------------------------------------------------------------------------------------
@login_required
def detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = access_activity(request.user, activity_id)
    manager = can_manage(request.user, activity)
    me = attendee_of(request.user, activity)
    rows = attendees(activity) if manager or in_scope(request.user, "orglife.view", activity.org_path) else []
    resolutions = resolutions_with_tallies(activity)
    my_votes = set()
    if me is not None:
        my_votes = set(me.votes.values_list("resolution_id", flat=True))
    note_visit(request, activity.topic, kind="activity")  # "Recently opened" on the workbench
    return render(request, "orglife/detail.html", {
        "activity": activity, "manager": manager, "me": me, "rows": rows,
        "quorum": quorum(activity) if activity.kind in QUORUM_KINDS else None,
        "resolutions": resolutions, "my_votes": my_votes,
        "materials": list(activity.materials.order_by("pk")), "photos": list(activity.photos.order_by("pk")),
        "is_open": activity.status in OPEN_STATUSES,
        "addable": act.addable_members(activity) if manager and activity.status in OPEN_STATUSES else [],
        "close_form": CloseForm(
            initial={"minutes": "", "chair": activity.chair, "minute_taker": activity.minute_taker},
            lecturers=[(m.pk, m.person.name) for m in act.lecturer_choices(activity)]
            if manager and activity.kind == ActivityKind.PARTY_LECTURE and activity.status in OPEN_STATUSES else None),
        "reason_form": ReasonForm(), "resolution_form": ResolutionForm(), "vote_form": VoteForm(),
        "LeaveStatus": LeaveStatus, "ActivityStatus": ActivityStatus, "ActivityKind": ActivityKind,
        **_review_context(activity, me, manager),
    })


def _review_context(activity: Any, me: Attendee | None, manager: bool) -> dict[str, Any]:
    if activity.kind == ActivityKind.MEMBER_REVIEW:
        from dangjian.orglife.review_actions import max_excellent

        rows = review_rows(activity)
        mine = my_ratings(me) if me else {}
        for r in rows:
            r["mine"] = mine.get(r["attendee"].pk, "")
            r["mutual_list"] = [(label, r["mutual"][g]) for g, label in Grade.choices if g in r["mutual"]]
            r["is_me"] = me is not None and r["attendee"].pk == me.pk
            r["grade_label"] = Grade(r["grade"]).label if r["grade"] else ""
        return {"review": rows, "grades": Grade.choices, "me_may_rate": me is not None and not me.is_floating_guest,
                "excellent_cap": max_excellent(sum(1 for r in rows if r["graded"]))}
    if activity.kind == ActivityKind.LIFE_MEETING:
        return {"criticisms": list(activity.criticisms.select_related("attendee__member__person").order_by("pk")),
                "rectifications": list(activity.rectifications.select_related("attendee__member__person").order_by("pk")),
                "criticism_kinds": CriticismKind.choices}
    return {}


@login_required
@require_GET
def quorum_fragment(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = access_activity(request.user, activity_id)
    return render(request, "orglife/_quorum.html", {"activity": activity, "quorum": quorum(activity)})


def _post_action(run: Callable[..., str | None]) -> Callable[..., HttpResponse]:
    """A POST that runs one action on the activity, then goes back to the detail page with a
    message (the action's ValidationError becomes an error message)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, activity_id: int, **kwargs: Any) -> HttpResponse:
        activity = access_activity(request.user, activity_id)
        try:
            done = run(request, activity, **kwargs)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            if done:
                messages.success(request, done)
        return redirect("orglife:detail", activity.pk)

    view.__name__ = run.__name__
    return view


@_post_action
def add_attendee_view(request: HttpRequest, activity: Any) -> str:
    act.do_add_attendee(activity, request.POST.get("member", ""), acting_user=request.user)
    return _("The member is added to the list.")


def _attendee(activity: Any, attendee_id: int) -> Attendee:
    return get_object_or_404(Attendee.objects.select_related("activity"), pk=attendee_id, activity=activity)


@_post_action
def notify_view(request: HttpRequest, activity: Any) -> str:
    n = act.do_notify_attendees(activity, acting_user=request.user)
    return _("%(n)d attendees notified.") % {"n": n}


@_post_action
def start_view(request: HttpRequest, activity: Any) -> str:
    act.do_start_activity(activity, acting_user=request.user)
    return _("The activity has started.")


@_post_action
def cancel_view(request: HttpRequest, activity: Any) -> str:
    act.do_cancel_activity(activity, request.POST.get("reason", ""), acting_user=request.user)
    return _("The activity is cancelled.")


@_post_action
def close_view(request: HttpRequest, activity: Any) -> str:
    reasons = {k[len("absence_"):]: v for k, v in request.POST.items() if k.startswith("absence_")}
    act.do_close_activity(activity, {
        "minutes": request.POST.get("minutes", ""), "chair": request.POST.get("chair", ""),
        "minute_taker": request.POST.get("minute_taker", ""), "absence_reasons": reasons,
        "lecturer": request.POST.get("lecturer", ""),
    }, acting_user=request.user)
    return _("The activity is closed; it is now in the branch's ledger.")


@_post_action
def leave_view(request: HttpRequest, activity: Any) -> str:
    act.do_ask_leave(activity, request.POST.get("reason", ""), acting_user=request.user)
    return _("Your leave request was sent to the secretary.")


@_post_action
def decide_leave_view(request: HttpRequest, activity: Any, attendee_id: int) -> str:
    approve = request.POST.get("decision") == "approve"
    act.do_decide_leave(_attendee(activity, attendee_id), approve=approve, acting_user=request.user)
    return _("Leave approved.") if approve else _("Leave refused.")


@_post_action
def checkin_member_view(request: HttpRequest, activity: Any, attendee_id: int) -> str:
    a = act.do_check_in_member(_attendee(activity, attendee_id), acting_user=request.user)
    return _("%(name)s is signed in.") % {"name": a.member.person.name}


@_post_action
def checkin_batch_view(request: HttpRequest, activity: Any) -> str:
    if request.POST.get("all"):  # "Everyone present": all not signed in, but those on approved leave
        ids = not_signed_in(activity)
    else:
        ids = [int(v) for v in request.POST.getlist("attendees") if v.isdigit()]
    n = act.do_check_in_members(activity, ids, acting_user=request.user)
    return _("%(n)d members signed in.") % {"n": n}


@_post_action
def resolution_view(request: HttpRequest, activity: Any) -> str:
    act.do_add_resolution(activity, request.POST, acting_user=request.user)
    return _("The motion was added.")


@_post_action
def vote_view(request: HttpRequest, activity: Any, resolution_id: int) -> str:
    resolution = get_object_or_404(Resolution, pk=resolution_id, activity=activity)
    act.do_cast_vote(resolution, request.POST.get("choice", ""), acting_user=request.user)
    return _("Your vote was recorded.")


@_post_action
def photos_view(request: HttpRequest, activity: Any) -> str:
    n = act.do_add_photos(activity, request.FILES.getlist("files"), acting_user=request.user)
    return _("%(n)d photos added.") % {"n": n}


@_post_action
def materials_view(request: HttpRequest, activity: Any) -> str:
    n = act.do_add_materials(activity, request.FILES.getlist("files"), acting_user=request.user)
    return _("%(n)d files added.") % {"n": n}


@login_required
def material_file(request: HttpRequest, activity_id: int, material_id: int) -> FileResponse:
    activity = access_activity(request.user, activity_id)
    m = get_object_or_404(Material, pk=material_id, activity=activity)
    return FileResponse(m.file.open("rb"), as_attachment=True, filename=m.name)


@login_required
def photo_file(request: HttpRequest, activity_id: int, photo_id: int) -> FileResponse:
    activity = access_activity(request.user, activity_id)
    p = get_object_or_404(Photo, pk=photo_id, activity=activity)
    response = FileResponse(p.image.open("rb"), content_type=p.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@_post_action
def self_assessment_view(request: HttpRequest, activity: Any) -> str:
    rev.do_submit_self_assessment(activity, request.POST.get("self_assessment", ""), acting_user=request.user)
    return _("Your self-assessment was saved.")


def _prefixed(request: HttpRequest, prefix: str) -> dict[str, str]:
    return {k[len(prefix):]: str(v) for k, v in request.POST.items() if k.startswith(prefix)}


@_post_action
def rate_peers_view(request: HttpRequest, activity: Any) -> str:
    n = rev.do_rate_peers(activity, _prefixed(request, "rate_"), acting_user=request.user)
    return _("%(n)d grades saved.") % {"n": n}


@_post_action
def grade_members_view(request: HttpRequest, activity: Any) -> str:
    n = rev.do_grade_members(activity, _prefixed(request, "grade_"), acting_user=request.user)
    return _("%(n)d grades saved.") % {"n": n}


@_post_action
def criticism_view(request: HttpRequest, activity: Any) -> str:
    rev.do_add_criticism(activity, request.POST, acting_user=request.user)
    return _("The item was recorded.")


@_post_action
def rectification_view(request: HttpRequest, activity: Any) -> str:
    due = None
    raw = request.POST.get("due_on", "").strip()
    if raw:
        try:
            due = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError({"due_on": _("Enter a valid date.")}) from None
    rev.do_add_rectification(activity, {"text": request.POST.get("text", ""), "attendee": request.POST.get("attendee", ""),
                                        "due_on": due}, acting_user=request.user)
    return _("The rectification item was added.")


@_post_action
def rectification_done_view(request: HttpRequest, activity: Any, item_id: int) -> str:
    item = get_object_or_404(Rectification.objects.select_related("activity"), pk=item_id, activity=activity)
    rev.do_complete_rectification(item, request.POST.get("done_note", ""), acting_user=request.user)
    return _("The rectification item is done.")


# --- Sign-in ----------------------------------------------------------------------------------------
def _venue_context(request: HttpRequest, activity: Any) -> dict[str, Any]:
    code = qrcodes.current_code(activity.pk)
    url = request.build_absolute_uri(reverse("orglife:checkin", args=[activity.pk, code]))
    return {"activity": activity, "qr": qrcodes.qr_data_uri(url), "checkin_url": url,
            "present": activity.attendees.filter(checked_in_at__isnull=False).count(),
            "expected": activity.attendees.count(), "rotate": qrcodes.rotate_seconds(),
            "poll": max(2, qrcodes.rotate_seconds() // 3)}


@login_required
@require_GET
def venue(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = manage_activity(request.user, activity_id)
    if activity.status not in OPEN_STATUSES:
        messages.error(request, _("Sign-in is closed for this activity."))
        return redirect("orglife:detail", activity.pk)
    return render(request, "orglife/venue.html", _venue_context(request, activity))


@login_required
@require_GET
def venue_qr(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = manage_activity(request.user, activity_id)
    return render(request, "orglife/_venue_qr.html", _venue_context(request, activity))


@require_GET
def checkin(request: HttpRequest, activity_id: int, code: str) -> HttpResponse:
    """The URL in the venue QR code. Signed out: a valid code is remembered in this session for
    a few minutes while the member signs in; otherwise the code must still be valid."""
    now = qrcodes.clock()
    if not request.user.is_authenticated:
        if qrcodes.valid_window(activity_id, code) is not None:
            request.session[_PENDING] = {"activity": activity_id, "code": code, "at": now}
        return redirect(f"{reverse('account_login')}?next={request.path}")
    activity = access_activity(request.user, activity_id)
    pending = request.session.get(_PENDING) or {}
    pending_ok = (pending.get("activity") == activity.pk and pending.get("code") == code
                  and now - float(pending.get("at", 0)) <= int(conf("QR_LOGIN_GRACE_SECONDS")))
    status = 200
    try:
        attendee = act.do_check_in_by_code(activity, code, acting_user=request.user, pending_ok=pending_ok)
        error = None
    except ValidationError as exc:
        attendee, error, status = None, " ".join(exc.messages), 400
    request.session.pop(_PENDING, None)
    return render(request, "orglife/checkin.html", {"activity": activity, "attendee": attendee, "error": error},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = access_activity(request.user, activity_id)
    me = attendee_of(request.user, activity)
    if me is None:
        raise Http404(_("Not found."))
    error = None
    if request.method == "POST":
        try:
            me = act.do_join_remote(activity, acting_user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(request, "orglife/join.html", {"activity": activity, "me": me, "error": error},
                  status=400 if error else 200)


# --- Compliance and ledger ---------------------------------------------------------------------------
def _scope_org(request: HttpRequest) -> Organization:
    raw = request.GET.get("org", "")
    if raw.isdigit():
        return access_org(request.user, raw, perm="orglife.view")
    from dangjian.orgs.selectors import scope_roots

    roots = scope_roots(request.user, "orglife.view")
    if not roots:
        raise PermissionDenied(_("Your role does not include organizational life."))
    return roots[0]


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    org = _scope_org(request)
    year = _year(request)
    page = Paginator(branches_under(org), 50).get_page(request.GET.get("page"))
    rows = compliance_for(list(page.object_list), year)
    # The drop-down lists the scope's top two levels (every branch of a county was 3,600
    # options, 60 % of the page); a deeper organization reached by ?org= is listed first.
    choices = org_choices(request.user, "orglife.view", branches_only=False, levels=2, limit=200)
    if all(pk != org.pk for pk, _name in choices):
        choices = [(org.pk, org.name), *choices]
    return render(request, "orglife/compliance.html", {
        "org": org, "year": year, "page": page, "rows": rows, "inactive_days": conf("INACTIVE_DAYS"),
        "inactive_total": inactive_branches(org).count(), "branch_total": page.paginator.count,
        "kinds": rows[0].kinds if rows else [],
        "org_choices": choices,
    })


@login_required
def ledger_view(request: HttpRequest) -> HttpResponse:
    org = _scope_org(request)
    year = _year(request)
    if not org.is_branch:
        return render(request, "orglife/ledger.html", {"org": org, "year": year, "not_branch": True,
                      "branches": list(branches_under(org)[:200])})
    rows = ledger(org, year)
    feed = request.build_absolute_uri(reverse("orglife:branch_feed", args=[org.pk, feed_token("branch", org.pk)]))
    return render(request, "orglife/ledger.html", {"org": org, "year": year, "rows": rows, "feed_url": feed})


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    from dangjian.orglife.exports import ledger_workbook

    org = _scope_org(request)
    if not org.is_branch:
        raise Http404(_("Not found."))
    year = _year(request)
    return xlsx_response(ledger_workbook(org, year, ledger(org, year)), f"ledger-{org.pk}-{year}.xlsx")


@login_required
def ledger_export_pdf(request: HttpRequest) -> HttpResponse:
    from dangjian.orglife.exports import ledger_pdf

    org = _scope_org(request)
    if not org.is_branch:
        raise Http404(_("Not found."))
    year = _year(request)
    response = HttpResponse(ledger_pdf(org, year, ledger(org, year)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ledger-{org.pk}-{year}.pdf"'
    return response


# --- Calendar feeds ----------------------------------------------------------------------------------
def _feed(request: HttpRequest, name: str, activities: Any) -> HttpResponse:
    since = timezone.now() - dt.timedelta(days=180)
    rows = list(activities.filter(starts_at__gte=since).order_by("starts_at")[:500])
    body = build_calendar(name, rows, base_url=request.build_absolute_uri("/").rstrip("/"), host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def member_feed(request: HttpRequest, member_id: int, token: str) -> HttpResponse:
    return _feed(request, *feed_for_token("member", member_id, token))


@require_GET
def branch_feed(request: HttpRequest, org_id: int, token: str) -> HttpResponse:
    return _feed(request, *feed_for_token("branch", org_id, token))
