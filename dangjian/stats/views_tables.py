"""Statistics pages: the figures of a subtree (/stats/), the year-end tables (/stats/tables/), the
children's submissions and their consolidation (/stats/tables/submissions/), one submission.
Thin: parse (forms), access (scope through the selectors), one action, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import spreadsheets
from dangjian.core.months import add_months, add_years
from dangjian.core.scoping import get_scoped_or_404, in_scope, scoped
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import children, org_choices
from dangjian.stats import SubmissionStatus
from dangjian.stats import selectors as sel
from dangjian.stats import tables as T
from dangjian.stats.actions import PERM_SUBMIT, do_return_submission, do_submit_tables
from dangjian.stats.excel import figures_workbook, tables_workbook
from dangjian.stats.forms import ReturnSubmissionForm, StatsQueryForm, SubmitTablesForm
from dangjian.stats.models import TableSubmission

#: Organizations offered by the picker (the top levels of the scope; any other may be asked for).
PICKER_LEVELS, PICKER_LIMIT = 3, 300
#: An organization's own submissions listed (newest first).
OWN_SUBMISSIONS = 20


def _query(request: HttpRequest, default: dt.date) -> tuple[StatsQueryForm, Organization, dt.date]:
    """The organization (in the user's ``stats.view`` scope, else 404) and date of a page."""
    form = StatsQueryForm(request.GET, default=default)
    form.is_valid()
    if "org" in form.errors:
        raise Http404
    org = sel.access_stats_org(request.user, form.cleaned_data.get("org"))
    as_of = form.cleaned_data.get("date") or default
    return form, org, as_of


def _picker(request: HttpRequest, org: Organization) -> list[tuple[int, str]]:
    choices = org_choices(request.user, "stats.view", branches_only=False, levels=PICKER_LEVELS, limit=PICKER_LIMIT)
    if org.pk not in {pk for pk, _name in choices}:
        choices.insert(0, (org.pk, org.name))
    return choices


def module_label(module: str) -> str:
    try:
        return str(apps.get_app_config(module).verbose_name)
    except LookupError:
        return module


def _errors_into(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- /stats/: the figures of a subtree ----------------------------------------------------------


def figure_groups(user: Any, org: Organization, dates: list[dt.date]) -> list[dict[str, Any]]:
    """The figures ``user`` may see for ``org``, by module, each at every date of ``dates``."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for figure in sel.visible_figures(user, org):
        groups.setdefault(figure.module, []).append(
            {"figure": figure, "values": [T.figure_reading(user, figure, org, d) for d in dates]})
    return [{"module": m, "label": module_label(m), "rows": rows} for m, rows in groups.items()]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Every registered figure for the caller's subtree (or a chosen organization in it), today or at
    a chosen date, with a month and a year earlier for comparison; each value drills down."""
    form, org, as_of = _query(request, timezone.localdate())
    dates = [as_of, add_months(as_of, -1), add_years(as_of, -1)]
    groups = figure_groups(request.user, org, dates)
    if request.GET.get("export") == "xlsx":
        content = figures_workbook(org.name, dates, groups)
        return spreadsheets.xlsx_response(content, f"statistics-{as_of:%Y%m%d}.xlsx")
    return render(request, "stats/figures.html", {
        "form": form, "org": org, "as_of": as_of, "dates": dates, "groups": groups,
        "org_choices": _picker(request, org)})


# --- /stats/tables/: the year-end tables ----------------------------------------------------------


def cell_rows(result: T.TableResult) -> list[dict[str, Any]]:
    return [{"line": row[0].row, "cells": [
        {"column": c.column, "applies": c.ref is not None, "available": c.available, "value": c.value, "url": c.url}
        for c in row]} for row in result.cells]


def snapshot_rows(table: T.StatTable, values: Mapping[str, Any], others: Mapping[str, Any] | None = None,
                  urls: Mapping[tuple[str, str], str] | None = None) -> list[dict[str, Any]]:
    """A stored table (``{row: {column: number}}``) in the table's layout; ``others`` adds a second
    number to each cell (the consolidation of the children) and marks the cells that differ."""
    rows = []
    for line in table.rows:
        cells = []
        for column in table.columns:
            value = values.get(line.key, {}).get(column.key)
            cell = {"column": column, "applies": table.cell(line, column) is not None, "available": value is not None,
                    "value": value, "url": (urls or {}).get((line.key, column.key), "")}
            if others is not None:
                other = others.get(line.key, {}).get(column.key)
                cell.update(has_other=True, other=other, differs=other is not None and value != other)
            cells.append(cell)
        rows.append({"line": line, "cells": cells})
    return rows


def _standing(org: Organization, year: int) -> TableSubmission | None:
    return (TableSubmission.objects.filter(organization=org, year=year).order_by("-submitted_at", "-pk")
            .select_related("submitted_by", "returned_by").first())


@login_required
def tables(request: HttpRequest) -> HttpResponse:
    """The year-end tables of an organization as of a date (31 December of last year by default),
    their reconciliation, the Excel export, and submission to the level above (POST)."""
    form, org, as_of = _query(request, T.default_as_of(timezone.localdate()))
    submit_form = SubmitTablesForm(request.POST or None, initial={"date": as_of})
    if request.method == "POST" and submit_form.is_valid():
        try:
            do_submit_tables(org, as_of=submit_form.cleaned_data["date"], note=submit_form.cleaned_data["note"],
                             acting_user=request.user)
        except ValidationError as exc:
            _errors_into(submit_form, exc)
        else:
            messages.success(request, _("The tables are submitted to the level above."))
            return redirect(f"{reverse('stats:tables')}?org={org.pk}&date={submit_form.cleaned_data['date']:%Y-%m-%d}")
    result = T.tables_for(request.user, org, as_of)
    if request.GET.get("export") == "xlsx":
        return spreadsheets.xlsx_response(tables_workbook(org.name, result), f"year-end-tables-{as_of:%Y%m%d}.xlsx")
    latest = _standing(org, as_of.year)
    return render(request, "stats/tables.html", {
        "form": form, "org": org, "as_of": as_of, "result": result, "org_choices": _picker(request, org),
        "grids": [(t.table, cell_rows(t)) for t in result.tables], "submission": latest,
        "may_submit": org.depth > 1 and in_scope(request.user, PERM_SUBMIT, org.path)
        and not (latest and latest.status == SubmissionStatus.SUBMITTED),
        "submit_form": submit_form, "has_children": not org.is_leaf(),
    })


# --- /stats/tables/submissions/: the children's submissions and their consolidation ------------


def _year(request: HttpRequest, today: dt.date) -> tuple[int, str]:
    raw = request.GET.get("year") or ""
    if not raw:
        return today.year - 1, ""
    if raw.isdigit() and 2000 <= int(raw) <= today.year:
        return int(raw), ""
    return today.year - 1, _("Year: enter a year from 2000 to %(year)d.") % {"year": today.year}


def submissions_to(user: Any, org: Organization, year: int) -> QuerySet[TableSubmission]:
    return scoped(TableSubmission.objects.filter(to_organization=org, year=year), user, "stats.view",
                  path_field="org_path").select_related("organization", "submitted_by")


def consolidate(snapshots: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """The sum of the children's submitted cells (a cell none of them had stays None)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for snap in snapshots:
        for table, rows in snap.items():
            for row, cells in rows.items():
                for column, value in cells.items():
                    slot = out.setdefault(table, {}).setdefault(row, {})
                    if value is not None:
                        slot[column] = (slot.get(column) or 0) + value
                    else:
                        slot.setdefault(column, None)
    return out


@login_required
def submissions(request: HttpRequest) -> HttpResponse:
    """An organization's own submissions to the level above; who below it has submitted the
    year's tables, and the sum of what they submitted next to its own computed tables
    (differences marked)."""
    org = sel.access_stats_org(request.user, request.GET.get("org") or None)
    today = timezone.localdate()
    year, year_error = _year(request, today)
    kids = children(org)
    rows: dict[int, dict[str, Any]] = {k.pk: {"org": k, "submission": None, "returned": None} for k in kids}
    for sub in submissions_to(request.user, org, year).order_by("submitted_at", "pk"):
        row = rows.get(sub.organization_id)
        if row is None:
            continue
        if sub.status == SubmissionStatus.SUBMITTED:
            row["submission"] = sub
        else:
            row["returned"] = sub
    submitted = [r["submission"] for r in rows.values() if r["submission"]]
    as_of = min(dt.date(year, 12, 31), today)
    grids = []
    if kids:  # the consolidation: the organization's own tables next to the sum of the submitted ones
        own = T.tables_for(request.user, org, as_of)
        total = consolidate(s.values for s in submitted)
        for result in own.tables:
            urls = {(c.row.key, c.column.key): c.url for row in result.cells for c in row}
            grids.append((result.table, snapshot_rows(result.table, result.snapshot(),
                                                      total.get(result.table.key, {}), urls)))
    own_submissions = scoped(TableSubmission.objects.filter(organization=org), request.user, "stats.view",
                             path_field="org_path").select_related("to_organization").order_by("-year", "-submitted_at")
    return render(request, "stats/table_submissions.html", {
        "org": org, "year": year, "year_error": year_error, "as_of": as_of, "rows": list(rows.values()),
        "own_submissions": list(own_submissions[:OWN_SUBMISSIONS]),
        "submitted": len(submitted), "grids": grids, "may_return": in_scope(request.user, PERM_SUBMIT, org.path),
        "years": list(range(today.year - 1, max(1999, today.year - 6), -1)),
    })


def access_submission(user: Any, pk: Any) -> TableSubmission:
    return get_scoped_or_404(TableSubmission.objects.select_related("organization", "to_organization",
                                                                    "submitted_by", "returned_by"),
                             user, "stats.view", path_field="org_path", pk=pk)


@login_required
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    """One submission as it was submitted (the numbers stored then), and returning it (POST)."""
    sub = access_submission(request.user, pk)
    may_return = sub.status == SubmissionStatus.SUBMITTED and in_scope(request.user, PERM_SUBMIT,
                                                                       sub.to_organization.path)
    form = ReturnSubmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_return_submission(sub, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("The tables are returned; the organization is notified."))
            return redirect(f"{reverse('stats:submissions')}?org={sub.to_organization_id}&year={sub.year}")
    labels = {c.key: c.label for c in T.CHECKS}
    above = in_scope(request.user, "stats.view", sub.to_organization.path)
    return render(request, "stats/table_submission.html", {
        "sub": sub, "may_return": may_return, "form": form,
        "back_org": sub.to_organization_id if above else sub.organization_id,
        "grids": [(t, snapshot_rows(t, sub.values.get(t.key, {}))) for t in T.TABLES],
        "checks": [{**c, "label": labels.get(c.get("key"), c.get("key"))} for c in sub.checks],
    })
