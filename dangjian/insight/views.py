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
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.scoping import has_any
from dangjian.insight.actions import (
    do_add_dictionary_words,
    do_merge_topics,
    do_publish_briefing,
    do_remove_dictionary_word,
    do_rename_topic,
    do_review_topic,
    do_split_topic,
    do_start_run,
)
from dangjian.insight.models import DictionaryWord, TextAnalysis, Topic
from dangjian.insight.selectors import (
    access_briefing,
    access_run,
    access_topic,
    briefings_for,
    latest_run,
    public_briefing,
    public_briefings,
    reviewed_topics,
    runs_for,
    topic_texts,
    topics_of,
)
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
    can_manage = has_any(request.user, "insight.manage") and not t.merged_into_id
    others = (Topic.objects.filter(run=t.run, merged_into__isnull=True).exclude(pk=t.pk).order_by("number")
              if can_manage else Topic.objects.none())
    return render(request, "insight/topic.html", {"topic": t, "page": page, "texts": list(page.object_list),
                                                   "others": list(others), "can_manage": can_manage})


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))


@login_required
@require_POST
def review(request: HttpRequest, topic_id: int) -> HttpResponse:
    t = access_topic(request.user, topic_id)
    try:
        do_review_topic(t, request.POST.get("conclusion", ""), acting_user=request.user)
        messages.success(request, _("Conclusion saved; the topic can go into the briefing."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("insight:topic", topic_id=t.pk)


@login_required
@require_POST
def split(request: HttpRequest, topic_id: int) -> HttpResponse:
    t = access_topic(request.user, topic_id)
    ids = [int(pk) for pk in request.POST.getlist("texts") if pk.isdigit()]
    try:
        new = do_split_topic(t, ids, request.POST.get("label", ""), acting_user=request.user)
        messages.success(request, _("Topic split."))
        return redirect("insight:topic", topic_id=new.pk)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("insight:topic", topic_id=t.pk)


@login_required
def briefings(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    run = latest_run(request.user)
    page = Paginator(briefings_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    can_publish = run is not None and has_any(request.user, "insight.manage")
    return render(request, "insight/briefings.html", {
        "page": page, "briefings": list(page.object_list), "run": run, "can_publish": can_publish,
        "reviewed": reviewed_topics(run) if can_publish and run else []})


@login_required
@require_POST
def publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_run(request.user, run_id)
    try:
        b = do_publish_briefing(run, request.POST.get("title", ""), request.POST.get("summary", ""),
                                public=request.POST.get("public") == "1", acting_user=request.user)
        messages.success(request, _("Briefing published."))
        return redirect("insight:briefing", briefing_id=b.pk)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("insight:briefings")


@login_required
def briefing(request: HttpRequest, briefing_id: int) -> HttpResponse:
    return render(request, "insight/briefing.html", {"briefing": access_briefing(request.user, briefing_id)})


@login_required
def briefing_pdf(request: HttpRequest, briefing_id: int) -> HttpResponse:
    from dangjian.insight.briefing import briefing_pdf as render_pdf

    b = access_briefing(request.user, briefing_id)
    response = HttpResponse(render_pdf(b), content_type="application/pdf")
    name = slugify(f"briefing-{b.pk}-{b.published_at:%Y%m%d}")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


def public_list(request: HttpRequest) -> HttpResponse:
    """The public list of briefings published as public (no login), linked from the portal."""
    page = Paginator(public_briefings(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insight/public_list.html", {"page": page})


def public(request: HttpRequest, briefing_id: int) -> HttpResponse:
    """The public page of a briefing published as public: findings and conclusions, no texts."""
    return render(request, "insight/public_briefing.html", {"briefing": public_briefing(briefing_id)})


@login_required
@require_POST
def rename(request: HttpRequest, topic_id: int) -> HttpResponse:
    t = access_topic(request.user, topic_id)
    try:
        do_rename_topic(t, request.POST.get("label", ""), acting_user=request.user)
        messages.success(request, _("Topic renamed."))
    except ValidationError as exc:
        _errors(request, exc)
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
        _errors(request, exc)
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
        _errors(request, exc)
    return redirect("insight:runs")


@login_required
def dictionary(request: HttpRequest) -> HttpResponse:
    """The county dictionary's words added by hand (organization, grid and department names are
    added by every run on their own); adding and removing needs ``insight.manage``."""
    if not has_any(request.user, "insight.manage"):
        raise PermissionDenied(_("Your role may not edit the county dictionary."))
    if request.method == "POST":
        try:
            added = do_add_dictionary_words(request.POST.get("words", ""), acting_user=request.user)
            messages.success(request, _("%(n)d words added; the next analysis uses them.") % {"n": len(added)})
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("insight:dictionary")
    page = Paginator(DictionaryWord.objects.select_related("added_by"), 100).get_page(request.GET.get("page"))
    return render(request, "insight/dictionary.html", {"page": page, "words": list(page.object_list)})


@login_required
@require_POST
def dictionary_remove(request: HttpRequest, word_id: int) -> HttpResponse:
    if not has_any(request.user, "insight.manage"):
        raise PermissionDenied(_("Your role may not edit the county dictionary."))
    # the dictionary is one for the whole installation (no organization): the role check above is its scope
    word = DictionaryWord.objects.filter(pk=word_id).first()
    if word is not None:
        do_remove_dictionary_word(word, acting_user=request.user)
        messages.success(request, _("Word removed."))
    return redirect("insight:dictionary")


@login_required
def topics_xlsx(request: HttpRequest) -> HttpResponse:
    """The newest run's hot spots as Excel (same run and order as the dashboard), with a sheet
    per dashboard chart (``?org=``: the heat map's organization, as on the charts page)."""
    from dangjian.core.spreadsheets import xlsx_response
    from dangjian.insight.excel import SAMPLES, topics_workbook

    _require_view(request)
    run = latest_run(request.user)
    if run is None:
        messages.error(request, _("No finished analysis yet."))
        return redirect("insight:dashboard")
    topics = topics_of(run)
    keys = [k for t in topics for k in t.sample_keys[:SAMPLES]]
    samples = dict(TextAnalysis.objects.filter(run=run, key__in=keys).values_list("key", "text"))
    from dangjian.insight.charts import dashboard_data, heat_node

    data = dashboard_data(request.user, run, heat_node(request.user, run, request.GET.get("org")), topics)
    return xlsx_response(topics_workbook(run, topics, samples, data), f"insight-run-{run.pk}.xlsx")
