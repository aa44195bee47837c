"""Public pages of the opinion express lane: submit, tracking number, track, my opinions, public list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.http import client_ip
from dangjian.core.scoping import has_any
from dangjian.opinions import OpinionChannel, OpinionStatus
from dangjian.opinions.actions import do_assign_opinion, do_link_opinion_to_case, do_rate_opinion, do_submit_opinion
from dangjian.opinions.forms import OpinionForm, TrackForm
from dangjian.opinions.ratelimit import intake_hit, track_hit
from dangjian.opinions.selectors import (
    access_staff_opinion,
    duplicates_of,
    find_by_number,
    find_for_tracking,
    find_own,
    near_duplicates_of,
    opinions_for_staff,
    opinions_of,
    place_choices,
    public_opinions,
    rejected_inbound,
    timeline,
)

PAGE_SIZE = 20
_SESSION_KEY = "opinions_last_tracking_no"


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _too_many(request: HttpRequest, template: str, context: dict[str, Any], seconds: int) -> HttpResponse:
    context["rate_limited"] = _("Too many attempts from your network. Please try again in %(minutes)d minutes.") % {
        "minutes": max(1, (seconds + 59) // 60)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    choices = place_choices()
    if request.method == "POST":
        form = OpinionForm(request.POST, request.FILES, place_choices=choices, phone_required=not signed_in)
        context = {"form": form}
        wait = intake_hit(client_ip(request))
        if wait:
            return _too_many(request, "opinions/submit.html", context, wait)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "photos"}
            channel = OpinionChannel.PHONE_APP if request.POST.get("channel") == "phone_app" else OpinionChannel.PORTAL
            try:
                opinion = do_submit_opinion(data, form.cleaned_data["photos"], acting_user=request.user,
                                            channel=channel, ip=client_ip(request))
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                request.session[_SESSION_KEY] = opinion.tracking_no
                return redirect("opinions:submitted")
    else:
        form = OpinionForm(place_choices=choices, phone_required=not signed_in)
    return render(request, "opinions/submit.html", {"form": form})


def submitted(request: HttpRequest) -> HttpResponse:
    tracking_no = request.session.get(_SESSION_KEY)
    if not tracking_no:
        return redirect("opinions:submit")
    return render(request, "opinions/submitted.html", {"tracking_no": tracking_no})


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = TrackForm(request.POST)
        context["form"] = form
        wait = track_hit(client_ip(request))
        if wait:
            return _too_many(request, "opinions/track.html", context, wait)
        if form.is_valid():
            opinion = find_for_tracking(form.cleaned_data["tracking_no"], form.cleaned_data["phone"])
            # never echo the phone back into the page
            context["form"] = TrackForm(initial={"tracking_no": form.cleaned_data["tracking_no"]})
            if opinion is None:
                context["not_found"] = True
                return render(request, "opinions/track.html", context, status=404)
            _remember_tracked(request, opinion.pk)
            context.update(opinion=opinion, events=timeline(opinion), can_rate=_can_rate(opinion))
    else:
        context["form"] = TrackForm(initial={"tracking_no": request.GET.get("no", "")[:30]})
    return render(request, "opinions/track.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = _page(request, opinions_of(request.user))
    return render(request, "opinions/mine.html", {"page": page, "opinions": page.object_list})


def public_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, public_opinions())
    return render(request, "opinions/public_list.html", {"page": page, "opinions": page.object_list})


# --- rating the answer (the sender) ----------------------------------------------------------------

_TRACKED_KEY = "opinions_tracked_ids"


def _remember_tracked(request: HttpRequest, opinion_id: int) -> None:
    """The session proved number + phone for this opinion: it may rate the answer."""
    ids = [i for i in request.session.get(_TRACKED_KEY, []) if i != opinion_id][-19:]
    request.session[_TRACKED_KEY] = ids + [opinion_id]


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """Rate the answer from the tracking page (after number + phone) or from "my opinions"."""
    from dangjian.cases import Rating

    opinion = find_by_number(request.POST.get("tracking_no", ""))
    if opinion is None:
        raise Http404(_("Not found."))
    verified = opinion.pk in request.session.get(_TRACKED_KEY, [])
    is_sender = request.user.is_authenticated and opinion.sender_id == request.user.pk
    if not (verified or is_sender):
        raise Http404(_("Not found."))
    rating = request.POST.get("rating", "")
    try:
        do_rate_opinion(opinion, rating if rating in Rating.values else "", acting_user=request.user,
                        sender_verified=verified, comment=request.POST.get("comment", "")[:500])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you for rating the answer."))
    if is_sender and not verified:
        return redirect("opinions:mine_detail", tracking_no=opinion.tracking_no)
    opinion.refresh_from_db()
    context: dict[str, Any] = {
        "form": TrackForm(initial={"tracking_no": opinion.tracking_no}), "opinion": opinion,
        "events": timeline(opinion), "can_rate": _can_rate(opinion),
    }
    return render(request, "opinions/track.html", context)


def _can_rate(opinion: Any) -> bool:
    return opinion.status == OpinionStatus.ANSWERED and not opinion.rating and opinion.case_id is not None


@login_required
def mine_detail(request: HttpRequest, tracking_no: str) -> HttpResponse:
    opinion = find_own(request.user, tracking_no)
    if opinion is None:
        raise Http404(_("Not found."))
    return render(request, "opinions/track.html", {
        "form": TrackForm(initial={"tracking_no": opinion.tracking_no}), "opinion": opinion,
        "events": timeline(opinion), "can_rate": _can_rate(opinion), "own": True,
    })


# --- staff: the opinions inbox, routing to departments ---------------------------------------------

@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    if not has_any(request.user, "opinions.view"):
        raise PermissionDenied(_("Your role does not include opinions."))
    qs = opinions_for_staff(request.user)
    status = request.GET.get("status", "")
    if status in OpinionStatus.values:
        qs = qs.filter(status=status)
    if request.GET.get("unassigned") == "1":
        qs = qs.filter(case__isnull=True)
    if request.GET.get("waiting") == "1":  # not answered yet (the workbench card's link)
        qs = qs.filter(status__in=[OpinionStatus.RECEIVED, OpinionStatus.ACCEPTED])
    page = _page(request, qs)
    kept = {k: request.GET[k] for k in ("status", "unassigned", "waiting") if request.GET.get(k)}
    return render(request, "opinions/staff_list.html", {
        "page": page, "opinions": page.object_list, "statuses": OpinionStatus.choices, "status": status,
        "unassigned": request.GET.get("unassigned") == "1", "waiting": request.GET.get("waiting") == "1",
        "filter_qs": urlencode(kept),
        "can_see_inbound": has_any(request.user, "opinions.inbound"),
    })


INBOUND_CHANNELS = (OpinionChannel.EMAIL, OpinionChannel.CHAT_GROUP)


@login_required
@require_GET
def staff_inbound(request: HttpRequest) -> HttpResponse:
    """Messages by e-mail or from chat groups that were not accepted as opinions, with the reason."""
    if not has_any(request.user, "opinions.inbound"):
        raise PermissionDenied(_("Your role does not include the inbound message log."))
    channel = request.GET.get("channel", "")
    if channel not in INBOUND_CHANNELS:
        channel = ""
    page = _page(request, rejected_inbound(channel))
    return render(request, "opinions/staff_inbound.html", {
        "page": page, "rows": list(page.object_list), "channel": channel,
        "channels": [(c, OpinionChannel(c).label) for c in INBOUND_CHANNELS],
        "filter_qs": urlencode({"channel": channel} if channel else {}),
    })


def _routing_suggestions(opinion: Any, departments: Any) -> list[dict[str, Any]]:
    """The routing advisor's top 3 departments for the opinion (``core.hooks``; none without
    opinion insight), each with the deciding words and, when the dispatcher may pick it, the
    department's id (matched by name among the departments of the assign form, two queries)."""
    from dangjian.core.hooks import routing_suggestions

    found = routing_suggestions(f"{opinion.title}\n{opinion.body}".strip(), opinion.org_path)
    if not found:
        return []
    names = [s["department"] for s in found]
    ids: dict[str, int] = {}
    for pk, name in departments.filter(name__in=names).order_by("-org_path", "pk").values_list("pk", "name"):
        ids.setdefault(name, pk)
    return [{"department": s["department"], "percent": round(100 * float(s.get("probability") or 0)),
             "terms": list(s.get("terms") or [])[:5], "department_id": ids.get(s["department"])} for s in found]


def _staff_context(request: HttpRequest, opinion: Any, assign_form: Any = None) -> dict[str, Any]:
    from dangjian.cases.forms import AssignForm
    from dangjian.cases.selectors import departments_for

    user = request.user
    can_assign = opinion.case_id is None and has_any(user, "cases.assign") and opinion.status != OpinionStatus.CLOSED
    departments = departments_for(user, "cases.assign").filter(is_active=True)
    duplicates = duplicates_of(user, opinion)
    near = near_duplicates_of(user, opinion) if opinion.case_id is None else []
    seen = {d.pk for d in duplicates}
    suggestions = _routing_suggestions(opinion, departments) if can_assign else []
    if assign_form is None and can_assign:
        picked = next((s["department_id"] for s in suggestions
                       if s["department_id"] and str(s["department_id"]) == request.GET.get("suggested")), None)
        assign_form = AssignForm(departments=departments, initial={"lead_department": picked} if picked else None)
    return {
        "opinion": opinion, "events": timeline(opinion), "photos": list(opinion.photos.all()),
        "can_assign": can_assign, "suggestions": suggestions,
        "assign_form": assign_form,
        "duplicates": duplicates,
        "near_duplicates": [(o, round(score * 100)) for o, score in near if o.pk not in seen],
        "can_link": can_assign,
    }


@login_required
@require_GET
def staff_detail(request: HttpRequest, opinion_id: int) -> HttpResponse:
    from dangjian.core.workbench import note_visit

    opinion = access_staff_opinion(request.user, opinion_id)
    note_visit(request, f"{opinion.tracking_no} {opinion.title}", kind="opinion")
    return render(request, "opinions/staff_detail.html", _staff_context(request, opinion))


@login_required
@require_POST
def staff_assign(request: HttpRequest, opinion_id: int) -> HttpResponse:
    from dangjian.cases.forms import AssignForm
    from dangjian.cases.selectors import departments_for

    opinion = access_staff_opinion(request.user, opinion_id)
    form = AssignForm(request.POST, departments=departments_for(request.user, "cases.assign").filter(is_active=True))
    if form.is_valid():
        try:
            case = do_assign_opinion(
                opinion, lead_department=form.cleaned_data["lead_department"],
                co_departments=form.cleaned_data["co_departments"], category=form.cleaned_data["category"],
                note=form.cleaned_data["note"], acting_user=request.user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Assigned as case %(no)s.") % {"no": case.number})
            return redirect("opinions:staff_detail", opinion_id=opinion.pk)
    return render(request, "opinions/staff_detail.html", _staff_context(request, opinion, form), status=400)


@login_required
@require_POST
def staff_link(request: HttpRequest, opinion_id: int) -> HttpResponse:
    """Join an existing case as one more voice (a duplicate)."""
    from dangjian.cases.selectors import access_case

    opinion = access_staff_opinion(request.user, opinion_id)
    case = access_case(request.user, request.POST.get("case", ""))
    try:
        do_link_opinion_to_case(opinion, case, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Linked to case %(no)s.") % {"no": case.number})
    return redirect("opinions:staff_detail", opinion_id=opinion.pk)
