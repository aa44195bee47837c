"""The branch committee page: its seats (who sits on the 支委会, from when to when), the year's
heart-to-heart talk pairs (done or still due) and each secretary's party lecture."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import in_scope
from dangjian.orglife import CommitteePost
from dangjian.orglife.committee_actions import do_add_committee_seat, do_end_committee_seat
from dangjian.orglife.compliance import compliance_for
from dangjian.orglife.models import CommitteeSeat
from dangjian.orglife.selectors import roster
from dangjian.orglife.views import _scope_org, _year


class SeatForm(forms.Form):
    member = forms.TypedChoiceField(label=gettext_lazy("Member"), coerce=int)
    post = forms.ChoiceField(label=gettext_lazy("Post"), choices=CommitteePost.choices)
    start_date = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))


class EndSeatForm(forms.Form):
    end_date = forms.DateField(label=gettext_lazy("Last day on the committee"),
                               widget=forms.DateInput(attrs={"type": "date"}))


def _branch(request: HttpRequest):  # type: ignore[no-untyped-def]
    org = _scope_org(request)
    if not org.is_branch:
        raise Http404(_("Not found."))
    return org


@login_required
def committee(request: HttpRequest) -> HttpResponse:
    org = _branch(request)
    year = _year(request)
    manager = in_scope(request.user, "orglife.manage", org.path)
    form = SeatForm(request.POST or None)
    form.fields["member"].choices = [(m.pk, m.person.name) for m in roster(org)]  # type: ignore[attr-defined]
    if request.method == "POST":
        if not manager:
            raise Http404(_("Not found."))
        if form.is_valid():
            try:
                do_add_committee_seat(org, form.cleaned_data["member"], form.cleaned_data["post"],
                                      form.cleaned_data["start_date"], acting_user=request.user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("The committee seat is recorded."))
                return redirect(f"{reverse('orglife:committee')}?org={org.pk}&year={year}")
    seats = sorted(CommitteeSeat.objects.select_related("member__person").filter(organization=org),
                   key=lambda s: (s.end_date is not None, -s.start_date.toordinal(), s.pk))  # open seats first
    row = compliance_for([org], year, talk_dates=True)[0]
    return render(request, "orglife/committee.html", {
        "org": org, "year": year, "manager": manager, "form": form, "seats": seats, "row": row,
        "end_form": EndSeatForm(),
    })


@login_required
@require_POST
def end_seat(request: HttpRequest, seat_id: int) -> HttpResponse:
    org = _branch(request)
    if not in_scope(request.user, "orglife.manage", org.path):
        raise Http404(_("Not found."))
    seat = get_object_or_404(CommitteeSeat.objects.select_related("organization"), pk=seat_id, organization=org)
    form = EndSeatForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Enter the last day on the committee as a valid date."))
        do_end_committee_seat(seat, form.cleaned_data["end_date"], acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("The seat is ended."))
    return redirect(f"{reverse('orglife:committee')}?org={org.pk}")
