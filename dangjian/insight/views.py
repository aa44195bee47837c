"""Pages of opinion insight: the dashboard (hot spots of the newest run), a topic with its masked
texts (rename, merge), the run list with progress. Thin: selectors read, actions write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.scoping import has_any
from dangjian.insight.actions import do_merge_topics, do_rename_topic, do_start_run
from dangjian.insight.models import Topic
from dangjian.insight.selectors import access_topic, latest_run, runs_for, topic_texts, topics_of
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 20


def _require_view(request: HttpRequest) -> None:
    if not has_any(request.user, "insight.view"):
        raise PermissionDenied(_("Your role may not see opinion analysis."))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    run = latest_run(request.user)
    topics = topics_of(run) if run else []
    chart = [{"id": t.pk, "label": t.label, "pain": t.pain, "size": t.size} for t in topics[:10]]
    return render(request, "insight/dashboard.html", {
        "run": run, "topics": topics, "chart": chart,
        "run_choices": org_choices(request.user, "insight.run", branches_only=False, levels=2),
    })


@login_required
def topic(request: HttpRequest, topic_id: int) -> HttpResponse:
    t = access_topic(request.user, topic_id)
    page = Paginator(topic_texts(t).select_related("duplicate_group"), PAGE_SIZE).get_page(request.GET.get("page"))
    others = (Topic.objects.filter(run=t.run, merged_into__isnull=True).exclude(pk=t.pk).order_by("number")
              if has_any(request.user, "insight.manage") else Topic.objects.none())
    return render(request, "insight/topic.html", {"topic": t, "page": page, "texts": list(page.object_list),
                                                   "others": list(others)})


@login_required
@require_POST
def rename(request: HttpRequest, topic_id: int) -> HttpResponse:
    t = access_topic(request.user, topic_id)
    try:
        do_rename_topic(t, request.POST.get("label", ""), acting_user=request.user)
        messages.success(request, _("Topic renamed."))
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    return redirect("insight:topic", topic_id=t.pk)


@login_required
@require_POST
def merge(request: HttpRequest, topic_id: int) -> HttpResponse:
    t = access_topic(request.user, topic_id)
    others = [access_topic(request.user, pk) for pk in request.POST.getlist("topics") if pk.isdigit()]
    try:
        do_merge_topics(t, others, acting_user=request.user)
        messages.success(request, _("Topics merged."))
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    return redirect("insight:topic", topic_id=t.pk)


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    page = Paginator(runs_for(request.user).select_related("started_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insight/runs.html", {"page": page, "runs": list(page.object_list)})


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    org_id: Any = request.POST.get("organization", "")
    if not str(org_id).isdigit():
        messages.error(request, _("Choose the organization whose texts to analyse."))
        return redirect("insight:dashboard")
    org = access_org(request.user, int(org_id), perm="insight.run")
    try:
        do_start_run(org, acting_user=request.user)
        messages.success(request, _("The analysis has started; its progress is shown in the run list."))
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    return redirect("insight:runs")
