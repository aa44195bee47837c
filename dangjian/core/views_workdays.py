"""Staff pages for the official working-day calendar: the years and where each comes from, and
entering a year's holidays and make-up working days from the State Council's notice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core import workdays
from dangjian.core.forms import apply_action_errors
from dangjian.core.workdays_actions import can_manage, do_delete_official_year, do_save_official_year


class CalendarYearForm(forms.Form):
    source_note = forms.CharField(
        label=pgettext_lazy("basis", "Source"), max_length=300,
        help_text=gettext_lazy("The notice the dates come from, e.g. 国务院办公厅关于2027年部分节假日安排的通知."),
    )
    days = forms.CharField(
        label=gettext_lazy("Holidays and make-up working days"),
        widget=forms.Textarea(attrs={"rows": 16, "class": "mono", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One date per line: the date (YYYY-MM-DD), the kind — “holiday” (休) or “workday” (班, a weekend "
            "day worked) — and the name, e.g. “2027-01-01 holiday 元旦” or “2027-02-20 workday 春节调休”. "
            "List every day off of each holiday, weekend days included. Days not listed follow the "
            "Monday–Friday rule."
        ),
    )

    def __init__(self, *args: Any, year: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_days(self) -> list[workdays.DayEntry]:
        return workdays.parse_days_text(self.cleaned_data["days"], self.year)


def _guard(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise PermissionDenied(_("Only administrators manage the official calendar."))


def _year_or_404(year: int) -> int:
    if workdays.check_year(year):
        raise Http404(_("Not found."))
    return year


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    _guard(request)
    wanted = request.GET.get("year", "").strip()
    if wanted:
        problem = workdays.check_year(int(wanted) if wanted.isdigit() else None)
        if not problem:
            return redirect("workdays:edit", year=int(wanted))
        messages.error(request, problem)
    return render(request, "core/workdays/list.html", {
        "rows": workdays.overview(),
        "missing": workdays.missing_years(),
        "min_year": workdays.MIN_YEAR,
        "max_year": workdays.MAX_YEAR,
    })


@login_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, year: int) -> HttpResponse:
    _guard(request)
    _year_or_404(year)
    entry = workdays.entered_year(year)
    current = workdays.year_calendar(year)
    preview = None
    if request.method == "POST":
        form = CalendarYearForm(request.POST, year=year)
        if form.is_valid():
            days = form.cleaned_data["days"]
            if "preview" in request.POST:
                preview = workdays.build_year(year, days)
            else:
                try:
                    do_save_official_year(year, days, source_note=form.cleaned_data["source_note"],
                                          acting_user=request.user)
                except ValidationError as e:
                    apply_action_errors(form, e)
                else:
                    messages.success(request, _("The official calendar for %(year)s was saved.") % {"year": year})
                    return redirect("workdays:list")
    else:
        form = CalendarYearForm(year=year, initial={
            "source_note": entry.source_note if entry else "",
            "days": workdays.days_as_text(current.entries()),
        })
    return render(request, "core/workdays/edit.html", {
        "year": year,
        "form": form,
        "entry": entry,
        "current": current,
        "preview": preview,
        "preview_days": preview.entries() if preview else [],
    })


@login_required
@require_POST
def calendar_delete(request: HttpRequest, year: int) -> HttpResponse:
    _guard(request)
    _year_or_404(year)
    if workdays.entered_year(year) is None:
        raise Http404(_("Not found."))
    do_delete_official_year(year, acting_user=request.user)
    messages.success(request, _("The entered calendar for %(year)s was deleted.") % {"year": year})
    return redirect("workdays:list")
