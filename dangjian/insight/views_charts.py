"""Pages of the dashboard's charts (issue 17 "Dashboards"): the charts of the newest run with the
heat map over one organization's children, the filtered texts every chart drills down to, the
dashboard as PDF, the run-to-run diff and a run's progress as JSON (polled by the run list).
Thin: ``charts`` and ``selectors`` read; nothing here writes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.insight import charts
from dangjian.insight.models import Run, RunState, Topic
from dangjian.insight.selectors import access_run, latest_run, run_diff, topics_of
from dangjian.insight.views import PAGE_SIZE, _require_view


def _late_cases_url() -> str:
    try:
        return reverse("stats:records", args=["cases.late"])
    except NoReverseMatch:  # the statistics module is not installed
        return ""


def _dashboard(request: HttpRequest) -> tuple[Run | None, dict[str, Any]]:
    _require_view(request)
    run = latest_run(request.user)
    if run is None:
        return None, {"run": None}
    node = charts.heat_node(request.user, run, request.GET.get("org"))
    topics = topics_of(run)
    data = charts.dashboard_data(request.user, run, node, topics)
    return run, {"run": run, "node": node, "data": data, "trail": charts.ancestors_in_run(run, node),
                 "topics": topics[:charts.TOP_TOPICS]}


@login_required
def dashboard_charts(request: HttpRequest) -> HttpResponse:
    """The charts of the newest run; ``?org=`` moves the heat map one level down (or up)."""
    run, context = _dashboard(request)
    if run is not None:
        context["data"]["texts_url"] = reverse("insight:texts", args=[run.pk])
        context["data"]["late_url"] = _late_cases_url()
        context["data"]["charts_url"] = reverse("insight:charts")
    return render(request, "insight/charts.html", _tables(context) if run is not None else context)


@login_required
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    """The dashboard's charts as tables in an A4 PDF (WeasyPrint, Noto CJK)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    run, context = _dashboard(request)
    if run is None:
        messages.error(request, _("No finished analysis yet."))
        return redirect("insight:dashboard")
    context["printed"] = timezone.localdate()
    html = render_to_string("insight/dashboard_pdf.html", _tables(context))
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="insight-dashboard-{run.pk}.pdf"'
    return response


def _tables(context: dict[str, Any]) -> dict[str, Any]:
    """The charts' data laid out as rows for the PDF template (weeks as rows)."""
    data = context["data"]
    out = dict(context)
    if data["empty"]:
        return out
    for name in ("category", "place", "sentiment"):
        block = data[name]
        out[f"{name}_head"] = [s["label"] for s in block["series"]]
        out[f"{name}_rows"] = [(w, [s["data"][i] for s in block["series"]]) for i, w in enumerate(block["weeks"])
                               if any(s["data"][i] for s in block["series"])]
    out["week_tables"] = [(_("Texts per week by category"), out["category_head"], out["category_rows"]),
                          (_("Texts per week by place"), out["place_head"], out["place_rows"]),
                          (_("Sentiment per week"), out["sentiment_head"], out["sentiment_rows"])]
    heat = data["heat"]
    grid = {(c[1], c[0]): c[2] for c in heat["cells"]}
    out["heat_head"] = [c["label"] for c in heat["columns"]]
    out["heat_rows"] = [(r, [(c["id"], grid.get((i, j), 0)) for j, c in enumerate(heat["columns"])])
                        for i, r in enumerate(heat["rows"])]
    return out


@login_required
def texts(request: HttpRequest, run_id: int) -> HttpResponse:
    """The texts a chart's click asks for: filtered, paginated, masked (as stored)."""
    _require_view(request)
    run = access_run(request.user, run_id)
    errors: list[str] = []
    try:
        f = charts.parse_filter(request.user, run, request.GET)
    except ValidationError as exc:
        errors = [m for ms in exc.message_dict.values() for m in ms]
        f = charts.TextFilter(run=run)
    page = Paginator(charts.filtered_texts(f), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insight/texts.html", {
        "run": run, "filter": f, "page": page, "texts": list(page.object_list), "errors": errors,
        "sentiment_label": dict(charts.Sentiment.choices).get(f.sentiment, ""),
    })


@login_required
def diff(request: HttpRequest, run_id: int) -> HttpResponse:
    """What changed between this run and the previous finished run of the same subtree."""
    _require_view(request)
    run = access_run(request.user, run_id)
    before, changes = run_diff(run) if run.state == RunState.DONE else (None, [])
    ids = {c.new for c in changes if c.new is not None} | {o for c in changes for o in c.old}
    labels = dict(Topic.objects.filter(pk__in=ids).values_list("pk", "label"))
    order = {"appeared": 0, "grew": 1, "merged": 2, "faded": 3, "kept": 4}
    rows = [{"kind": c.kind, "new": c.new, "new_label": labels.get(c.new, "") if c.new else "",
             "old": [(o, labels.get(o, "")) for o in c.old], "old_size": c.old_size, "new_size": c.new_size,
             "change": c.new_size - c.old_size}
            for c in sorted(changes, key=lambda c: (order[c.kind], -abs(c.new_size - c.old_size)))]
    counts = {k: sum(1 for c in changes if c.kind == k) for k in order}
    return render(request, "insight/diff.html", {"run": run, "before": before, "rows": rows, "counts": counts})


@login_required
def progress(request: HttpRequest, run_id: int) -> JsonResponse:
    """A run's state and progress, polled by the run list while it is queued or running."""
    _require_view(request)
    run = access_run(request.user, run_id)
    return JsonResponse({"id": run.pk, "state": run.state, "state_label": str(run.get_state_display()),
                         "progress": run.progress, "texts": run.text_count,
                         "done": run.state in (RunState.DONE, RunState.FAILED)})

