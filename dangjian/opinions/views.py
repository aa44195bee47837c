"""Public pages of the opinion express lane: submit, tracking number, track, my opinions, public list."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dangjian.core.http import client_ip
from dangjian.opinions import OpinionChannel
from dangjian.opinions.actions import do_submit_opinion
from dangjian.opinions.forms import OpinionForm, TrackForm
from dangjian.opinions.ratelimit import intake_hit, track_hit
from dangjian.opinions.selectors import find_for_tracking, opinions_of, place_choices, public_opinions, timeline

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
            context.update(opinion=opinion, events=timeline(opinion))
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
