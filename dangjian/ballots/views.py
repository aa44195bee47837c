"""Pages of democratic evaluations. Thin: parse → access/selector → one action → render.

The voter's page needs no account: the credential travels in the URL fragment (``#code``), which
the browser never sends to the server; the page's script encrypts the ballot and posts it to the
API. The credential slips exist only in the answer to "open" (the server keeps hashes).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.ballots import actions as act
from dangjian.ballots.choices import EDITABLE_STATES, PUBLISHED_STATES, SCALES, Delivery, State
from dangjian.ballots.forms import (
    EvaluationForm,
    NewEvaluationForm,
    ReissueSlipForm,
    ReissueVoterForm,
    UsernamesForm,
    names,
)
from dangjian.ballots.selectors import (
    access_evaluation,
    can_manage,
    can_view,
    credential_counts,
    evaluations_for,
    my_credential,
    public_evaluation,
    receipts,
    results,
    roll_entry_named,
    slip_serial,
    slip_voters,
    users_by_username,
)
from dangjian.ballots.workbench import may_list
from dangjian.core.forms import apply_action_errors
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 50


def _manage(request: HttpRequest, public_id: str) -> Any:
    evaluation = access_evaluation(request.user, public_id)
    if not can_manage(request.user, evaluation):
        raise PermissionDenied(_("You may not manage this evaluation."))
    return evaluation


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    if not may_list(request.user):
        raise PermissionDenied(_("Your role has no democratic evaluations."))
    rows = list(evaluations_for(request.user)[:PAGE_SIZE])
    return render(request, "ballots/list.html", {
        "evaluations": rows, "can_create": bool(org_choices(request.user, "ballots.manage", branches_only=False,
                                                            limit=1))})


@login_required
def create(request: HttpRequest) -> HttpResponse:
    choices = org_choices(request.user, "ballots.manage", branches_only=False)
    if not choices:
        raise PermissionDenied(_("Your role may not organize evaluations."))
    form = NewEvaluationForm(request.POST or None, org_choices=choices)
    if request.method == "POST" and form.is_valid():
        org = access_org(request.user, form.cleaned_data["org"], perm="ballots.manage")
        data, subjects = form.action_data()
        try:
            evaluation = act.do_create_evaluation(org, data, subjects=subjects, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("The evaluation is saved. Name its trustees next."))
            return redirect("ballots:detail", evaluation.uuid)
    return render(request, "ballots/edit.html", {"form": form, "evaluation": None})


@login_required
def edit(request: HttpRequest, public_id: str) -> HttpResponse:
    evaluation = _manage(request, public_id)
    if evaluation.state not in EDITABLE_STATES:
        messages.error(request, _("The evaluation is open: its settings are frozen."))
        return redirect("ballots:detail", evaluation.uuid)
    initial = {f: getattr(evaluation, f) for f in ("title", "kind", "scale", "min_group", "flag_lowest", "flag_low")}
    initial["dimensions"] = "、".join(evaluation.dimensions)
    initial["subjects"] = "\n".join(s.name for s in evaluation.subjects.all())
    initial["opens_at"] = timezone.localtime(evaluation.opens_at)
    initial["closes_at"] = timezone.localtime(evaluation.closes_at)
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data, subjects = form.action_data()
        try:
            act.do_update_evaluation(evaluation, data, subjects=subjects, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("The evaluation is changed."))
            return redirect("ballots:detail", evaluation.uuid)
    return render(request, "ballots/edit.html", {"form": form, "evaluation": evaluation})


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    evaluation = access_evaluation(request.user, public_id)
    manager = can_manage(request.user, evaluation)
    trustees = list(evaluation.trustees.select_related("user", "decryption"))
    return render(request, "ballots/detail.html", {
        "evaluation": evaluation, "manager": manager, "viewer": can_view(request.user, evaluation),
        "subjects": list(evaluation.subjects.all()), "trustees": trustees,
        "me": next((t for t in trustees if t.user_id == request.user.pk), None),
        "credentials": credential_counts(evaluation), "options": SCALES[evaluation.scale],
        "editable": evaluation.state in EDITABLE_STATES, "published": evaluation.state in PUBLISHED_STATES,
        "keys_ready": bool(trustees) and all(t.has_key for t in trustees),
        "trustee_form": UsernamesForm(initial={"usernames": "\n".join(t.user.username for t in trustees)}),
        "open_form": UsernamesForm(), "State": State, "Delivery": Delivery,
        "reissue_voter_form": ReissueVoterForm(), "reissue_slip_form": ReissueSlipForm(),
        "vote_url": request.build_absolute_uri(reverse("ballots:vote", args=[evaluation.uuid])),
    })


@login_required
@require_POST
def set_trustees(request: HttpRequest, public_id: str) -> HttpResponse:
    evaluation = _manage(request, public_id)
    form = UsernamesForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"trustees": [_("Give the trustees' user names.")]})
        users = users_by_username(form.cleaned_names(), "trustees")
        act.do_set_trustees(evaluation, users, acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("The trustees are named: each now creates a key on their own device."))
    return redirect("ballots:detail", evaluation.uuid)


@login_required
@require_POST
@never_cache
def open_evaluation(request: HttpRequest, public_id: str) -> HttpResponse:
    """Open the evaluation and answer with the credential slips — the only time the codes exist."""
    evaluation = _manage(request, public_id)
    form = UsernamesForm(request.POST)
    try:
        extra = users_by_username(names(form.data.get("usernames", "")), "roll")
        send = request.POST.get("delivery") == Delivery.SEND
        codes = act.do_open_evaluation(evaluation, extra_users=extra, acting_user=request.user, send=send)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("ballots:detail", evaluation.uuid)
    from dangjian.ballots.slips import slips

    return render(request, "ballots/slips.html", {
        "evaluation": evaluation, "send": send, "credentials": credential_counts(evaluation),
        "slip_voters": slip_voters(evaluation) if send else [],
        "slips": slips(request.build_absolute_uri(reverse("ballots:vote", args=[evaluation.uuid])), codes)})


@login_required
@require_POST
@never_cache
def reissue(request: HttpRequest, public_id: str) -> HttpResponse:
    """Replace a lost code: a sent one is sent again (by the voter's name), a slip's is shown once
    as a new slip (by the lost slip's code). The old code stops working."""
    evaluation = _manage(request, public_id)
    by_voter = "voter" in request.POST
    try:
        if by_voter:
            entry = roll_entry_named(evaluation, request.POST.get("voter", ""))
            act.do_reissue_credential(evaluation, voter=entry, acting_user=request.user)
        else:
            # one box takes the lost slip's code or the number printed on it (a code is 24 characters)
            typed = request.POST.get("code", "").strip().lstrip("#").removeprefix("No.").strip()
            if typed.isascii() and typed.isdigit() and len(typed) <= 7:
                code = act.do_reissue_credential(evaluation, serial=int(typed), acting_user=request.user)
            else:
                code = act.do_reissue_credential(evaluation, code=request.POST.get("code", ""), acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("ballots:detail", evaluation.uuid)
    if by_voter:
        messages.success(request, _("A new code was sent to %(name)s; the old one no longer works.")
                         % {"name": entry.name})
        return redirect("ballots:detail", evaluation.uuid)
    from dangjian.ballots.slips import slips

    return render(request, "ballots/slips.html", {
        "evaluation": evaluation, "send": False, "reissued": True, "credentials": credential_counts(evaluation),
        "slips": slips(request.build_absolute_uri(reverse("ballots:vote", args=[evaluation.uuid])), [code or ""],
                       serials=[slip_serial(evaluation, act.code_hash(evaluation, act.normalize_code(code)))])})


@login_required
@require_POST
def close_evaluation(request: HttpRequest, public_id: str) -> HttpResponse:
    evaluation = _manage(request, public_id)
    try:
        act.do_close_evaluation(evaluation, acting_user=request.user, background=None)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        if evaluation.state == State.CLOSING:
            messages.success(request, _("The evaluation is closed. The ballots are being counted; this page shows "
                                        "the progress."))
        elif evaluation.state == State.TALLIED:
            messages.warning(request, _("The evaluation is closed. Fewer ballots than the minimum group were cast: "
                                        "nothing will be decrypted or shown."))
        else:
            messages.success(request, _("The evaluation is closed. The trustees now decrypt the tally."))
    return redirect("ballots:detail", evaluation.uuid)


@login_required
def trustee(request: HttpRequest, public_id: str) -> HttpResponse:
    """The trustee's page: create the key (in the browser), later decrypt the tally."""
    evaluation = access_evaluation(request.user, public_id)
    me = act.trustee_of(evaluation, request.user)
    if me is None:
        raise Http404(_("Not found."))
    return render(request, "ballots/trustee.html", {"evaluation": evaluation, "me": me, "State": State,
                                                     "decrypted": hasattr(me, "decryption")})


@login_required
def results_view(request: HttpRequest, public_id: str) -> HttpResponse:
    evaluation = access_evaluation(request.user, public_id)
    if not can_view(request.user, evaluation):
        raise Http404(_("Not found."))
    return render(request, "ballots/results.html", {
        "evaluation": evaluation, "rows": results(evaluation), "options": SCALES[evaluation.scale],
        "credentials": credential_counts(evaluation)})


# --- public pages (no account) ----------------------------------------------------------------------

def vote(request: HttpRequest, public_id: str) -> HttpResponse:
    evaluation = public_evaluation(public_id)
    return render(request, "ballots/vote.html", {
        "evaluation": evaluation, "manifest": evaluation.manifest, "State": State,
        "mine": my_credential(evaluation, request.user),
        "accepting": evaluation.state == State.OPEN and evaluation.opens_at <= timezone.now() < evaluation.closes_at,
        "published": evaluation.state in PUBLISHED_STATES})


def bulletin_view(request: HttpRequest, public_id: str) -> HttpResponse:
    evaluation = public_evaluation(public_id)
    if evaluation.state not in PUBLISHED_STATES:
        raise Http404(_("Not found."))
    receipt = (request.GET.get("receipt") or "").strip().lower()[:64]
    all_receipts = receipts(evaluation)
    return render(request, "ballots/bulletin.html", {
        "evaluation": evaluation, "manifest": evaluation.manifest, "receipts": all_receipts,
        "receipt": receipt, "found": receipt in set(all_receipts) if receipt else None,
        "roll": list(evaluation.roll.values_list("name", flat=True)),
        "rows": results(evaluation), "options": SCALES[evaluation.scale]})
