"""Pages of reports. Thin: parse → access/selector → one action → render.

The reporter's pages (``new``, ``follow``) need no account and set no cookie; the receipt code is
shown once in the answer to the submission and travels only in POST bodies. Staff pages need the
staff member's key unlocked in the session (``reports.session``) to show anything encrypted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.http import client_ip
from dangjian.core.scoping import has_any
from dangjian.orgs.models import Organization
from dangjian.reports import actions as act
from dangjian.reports import attachments, casework, throttle
from dangjian.reports import phone as phone_check
from dangjian.reports import session as keys
from dangjian.reports.choices import Disposal, MessageKind, ReportKind, State
from dangjian.reports.crypto import format_receipt
from dangjian.reports.models import StaffKey
from dangjian.reports.privacy import private_route
from dangjian.reports.selectors import (
    EnvelopePage,
    Search,
    access_report,
    identity_log,
    identity_requests_to_decide,
    may_handle,
    reports_for,
)

PAGE_SIZE = 50
User = get_user_model()


class ReportForm(forms.Form):
    content = forms.CharField(label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 6}),
                              required=False)
    accused = forms.CharField(label=gettext_lazy("Who (the person or unit reported)"), required=False)
    place = forms.CharField(label=gettext_lazy("Where and when"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ReportKind.choices, initial=ReportKind.OTHER)
    real_name = forms.CharField(label=gettext_lazy("Your name (leave empty to report anonymously)"), required=False)
    phone = forms.CharField(label=gettext_lazy("Your mobile number (real-name reports)"), required=False)
    phone_code = forms.CharField(label=gettext_lazy("The code sent to your phone"), required=False, max_length=16,
                                 widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
    phone_token = forms.CharField(widget=forms.HiddenInput, required=False)
    keep_original = forms.BooleanField(label=gettext_lazy("Keep my original files as well (they may hold the place "
                                                          "and time a photo was taken, the camera, or a document's "
                                                          "author)"),
                                       required=False)
    pow_challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    pow_nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not phone_check.required():  # no SMS configured: real-name phones are not verified
            del self.fields["phone_code"], self.fields["phone_token"]


class FollowForm(forms.Form):
    receipt_code = forms.CharField(label=gettext_lazy("Receipt code"), max_length=64,
                                   widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric",
                                                                 "spellcheck": "false"}))
    text = forms.CharField(label=gettext_lazy("Your answer or further evidence"), required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(choices=[(MessageKind.MESSAGE, gettext_lazy("Message")),
                                      (MessageKind.EVIDENCE, gettext_lazy("Further evidence"))],
                             initial=MessageKind.MESSAGE, required=False)
    keep_original = forms.BooleanField(label=gettext_lazy("Keep my original files as well (they may hold the place "
                                                          "and time a photo was taken, the camera, or a document's "
                                                          "author)"),
                                       required=False)
    pow_challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    pow_nonce = forms.CharField(widget=forms.HiddenInput, required=False)


def _guard(request: HttpRequest, form: forms.Form, bucket: str) -> str | None:
    key = throttle.client_key(client_ip(request))
    wait = throttle.hit(bucket, key)
    if wait is not None:
        form.add_error(None, _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": wait})
        return None
    if not throttle.check_proof(bucket, form.cleaned_data["pow_challenge"], form.cleaned_data["pow_nonce"]):
        form.add_error(None, _("The page's check did not complete: send again (the page needs JavaScript)."))
        return None
    return key


@never_cache
@private_route
def new(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    photo_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            act.clean_submission(form.cleaned_data)
            photos = attachments.read_uploads(request.FILES.getlist("photos"))
        except ValidationError as exc:
            apply_action_errors(form, exc)
            photo_errors = exc.message_dict.get("photos", [])
        else:
            if _guard(request, form, "submit") is not None:
                data = {k: form.cleaned_data.get(k, "") for k in ("content", "accused", "place", "kind", "real_name", "phone",
                                                                   "phone_code", "phone_token")}
                try:
                    done = act.do_submit_report(data, acting_user=request.user, photos=photos,
                                                keep_originals=form.cleaned_data["keep_original"])
                except ValidationError as exc:
                    apply_action_errors(form, exc)
                    photo_errors = exc.message_dict.get("photos", [])
                else:
                    return render(request, "reports/receipt.html", {"receipt": format_receipt(done.receipt_code),
                                                                    "real_name": done.report.real_name})
    return render(request, "reports/new.html", {"form": form, "photo_errors": photo_errors,
                                                "max_photos": attachments.MAX_FILES,
                                                "verify_phone": phone_check.required()})


@never_cache
@private_route
def follow(request: HttpRequest) -> HttpResponse:
    form = FollowForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        key = _guard(request, form, "follow")
        if key is not None:
            throttle.wait_before_check(key)
            session = act.open_with_receipt(form.cleaned_data["receipt_code"])
            if session is None:
                throttle.wrong_code(key)
                form.add_error("receipt_code", _("No report has this receipt code."))
                return render(request, "reports/follow.html", context, status=404)
            photo_errors: list[str] = []
            if request.FILES.getlist("photos"):
                try:
                    added = act.do_add_reporter_files(session, attachments.read_uploads(request.FILES.getlist("photos")),
                                                      keep_originals=form.cleaned_data["keep_original"])
                except ValidationError as exc:
                    photo_errors = exc.message_dict.get("photos", exc.messages)
                else:
                    messages.success(request, _("%(n)d files added, encrypted, without their metadata.")
                                     % {"n": len(added)})
            if form.cleaned_data.get("text") and not photo_errors:
                try:
                    act.do_add_reporter_message(session, form.cleaned_data["text"],
                                                form.cleaned_data.get("kind") or MessageKind.MESSAGE)
                except ValidationError as exc:
                    apply_action_errors(form, exc)
                else:
                    messages.success(request, _("Your message is sent, encrypted."))
            report = session.report
            reply = FollowForm(initial={"receipt_code": form.cleaned_data["receipt_code"]})
            context.update({"report": report, "thread": act.thread(report, session.private_key), "reply": reply,
                            "state_label": State(report.state).label, "photo_errors": photo_errors,
                            "files": report.attachments.count(), "max_photos": attachments.MAX_FILES})
    return render(request, "reports/follow.html", context)


# --- staff ------------------------------------------------------------------------------------------------

def _handler_only(request: HttpRequest) -> None:
    if not may_handle(request.user):
        raise PermissionDenied(_("Your role does not handle reports."))


class SearchForm(forms.Form):
    """The handler's search: envelope fields only (the content is never searchable)."""

    state = forms.ChoiceField(label=gettext_lazy("State"), required=False,
                              choices=[("", gettext_lazy("Open reports")), *State.choices])
    number = forms.CharField(label=gettext_lazy("Number"), required=False, max_length=20)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("", gettext_lazy("Every kind")), *ReportKind.choices])
    real_name = forms.ChoiceField(label=gettext_lazy("Reporter"), required=False,
                                  choices=[("", gettext_lazy("Anonymous or real name")),
                                           ("1", gettext_lazy("Real name")), ("0", gettext_lazy("Anonymous"))])
    received_from = forms.DateField(label=gettext_lazy("Received from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    received_to = forms.DateField(label=gettext_lazy("Received until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=gettext_lazy("Forwarding overdue"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("“Received until” must not be before “Received from”."))
        return data

    def search(self) -> Search:
        d = self.cleaned_data
        return Search(number=d.get("number") or "", kind=d.get("kind") or "",
                      real_name={"1": True, "0": False}.get(d.get("real_name") or ""),
                      received_from=d.get("received_from"), received_to=d.get("received_to"),
                      overdue=bool(d.get("overdue")))


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    _handler_only(request)
    form = SearchForm(request.GET)
    if form.is_valid():
        state, search = form.cleaned_data.get("state") or "", form.search()
    else:
        state, search = "", Search()
    rows = EnvelopePage(reports_for(request.user, state=state, open_only=not state, search=search), request.user)
    page: Any = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    return render(request, "reports/list.html", {"page": page, "reports": page.object_list, "form": form,
                                                 "unlocked": keys.unlocked(request) is not None})


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(label=gettext_lazy("Passphrase"), widget=forms.PasswordInput(render_value=False),
                                 strip=False)


class UsernameForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)


@never_cache
@login_required
def key(request: HttpRequest) -> HttpResponse:
    """Make my key (once), unlock it for this session, lock it; share my keys; revoke someone's."""
    if not act.may_hold_key(request.user):
        raise PermissionDenied(_("Your role does not handle reports."))
    mine = StaffKey.objects.filter(user_id=request.user.pk or 0).first()
    form = PassphraseForm(request.POST or None)
    user_form = UsernameForm(request.POST or None)
    response = HttpResponse()
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "lock":
            response = redirect("reports:key")
            keys.lock(request, response)
            return response
        if op in ("create", "unlock", "replace") and form.is_valid():
            passphrase = form.cleaned_data["passphrase"]
            if op in ("create", "replace"):
                try:
                    mine = act.do_create_staff_key(passphrase, acting_user=request.user, replace=op == "replace")
                except ValidationError as exc:
                    apply_action_errors(form, exc)
            if mine is not None and not form.errors:
                nxt = request.GET.get("next", "")
                safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                                       require_https=request.is_secure())
                response = redirect(nxt if nxt and safe else "reports:list")
                if keys.unlock(request, response, passphrase):
                    messages.success(request, _("Your key is unlocked for this session."))
                    return response
                form.add_error("passphrase", _("This passphrase does not open your key."))
        if op in ("share", "revoke") and user_form.is_valid():
            target = User.objects.filter(username=user_form.cleaned_data["username"]).first()
            if target is None:
                user_form.add_error("username", _("No such user."))
            else:
                try:
                    if op == "share":
                        private = keys.unlocked(request)
                        if private is None:
                            raise ValidationError({"username": _("Unlock your key first.")})
                        n = act.do_share_keys(target, acting_user=request.user, staff_private=private)
                        messages.success(request, _("%(n)d keys shared.") % {"n": n})
                    else:
                        n = act.do_revoke_keys(target, acting_user=request.user)
                        messages.success(request, _("%(n)d keys revoked.") % {"n": n})
                    return redirect("reports:key")
                except ValidationError as exc:
                    apply_action_errors(user_form, exc)
    return render(request, "reports/key.html", {
        "mine": mine, "form": form, "user_form": user_form, "unlocked": keys.unlocked(request) is not None,
        "supervisor": has_any(request.user, "reports.supervise")})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MessageForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Message to the reporter"), widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)
    kind = forms.ChoiceField(choices=[(MessageKind.MESSAGE, gettext_lazy("Message")),
                                      (MessageKind.QUESTION, gettext_lazy("Question"))], initial=MessageKind.MESSAGE)


@never_cache
@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    report = access_report(request.user, public_id)
    private = keys.unlocked(request)
    secret: dict[str, Any] | None = None
    identity: dict[str, str] | None = None
    no_key = False
    if private is not None:
        try:
            secret = act.read_report(report, request.user, private)
        except (act.NoKey, act.crypto.WrongKey):
            no_key = True
        try:
            identity = act.read_identity(report, request.user, private) if report.real_name else None
        except (act.NoKey, act.crypto.WrongKey):
            identity = None
    return render(request, "reports/detail.html", {
        "report": report, "secret": secret, "identity": identity, "unlocked": private is not None, "no_key": no_key,
        "message_form": MessageForm(), "reason_form": ReasonForm(), "disposals": Disposal.choices,
        "targets": Organization.objects.exclude(path=report.org_path).filter(depth__lte=3).order_by("path")[:200],
        "requests": list(report.identity_requests.select_related("requester", "custodian")[:20]),
        "photos": list(report.attachments.only("id", "content_type")) if secret else [],
        "case": casework.case_of(report), "State": State})


@never_cache
@login_required
def attachment(request: HttpRequest, public_id: str, attachment_id: int) -> HttpResponse:
    """The metadata-stripped copy of an evidence photo, decrypted for a handler holding the key."""
    report = access_report(request.user, public_id)
    private = keys.unlocked(request)
    if private is None:
        return redirect(f"{_key_url()}?next={request.path.rsplit('/', 3)[0]}/")
    try:
        data, content_type = act.read_attachment(report, attachment_id, request.user, private)
    except (act.NoKey, act.crypto.WrongKey, report.attachments.model.DoesNotExist):
        raise Http404(_("Not found.")) from None
    response = HttpResponse(data, content_type=content_type)
    # photos are shown in the page; documents are downloaded, never rendered from our origin
    disposition = "attachment" if content_type in attachments.DOCUMENTS else "inline"
    extension = attachments.EXTENSIONS.get(content_type, "bin")
    response["Content-Disposition"] = f'{disposition}; filename="{report.number}-{attachment_id}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def act_on(request: HttpRequest, public_id: str, op: str) -> HttpResponse:
    """One handling step on a report (accept, out of scope, forward, dispose, close, message,
    exclude, identity request)."""
    report = access_report(request.user, public_id)
    private = keys.unlocked(request)
    post = request.POST
    try:
        if op == "accept":
            act.do_accept_report(report, acting_user=request.user)
        elif op == "out_of_scope":
            act.do_mark_out_of_scope(report, post.get("reason", ""), acting_user=request.user)
        elif op == "dispose":
            act.do_dispose_report(report, post.get("disposal", ""), acting_user=request.user)
        elif op == "close":
            act.do_close_report(report, acting_user=request.user)
        elif op == "identity":
            act.do_request_identity(report, post.get("reason", ""), acting_user=request.user)
        elif op == "exclude":
            target = User.objects.filter(username=post.get("username", "")).first()
            if target is None:
                raise ValidationError({"user": _("No such user.")})
            act.do_exclude_staff(report, target, acting_user=request.user)
        elif op in ("message", "forward"):
            if private is None:
                return redirect(f"{_key_url()}?next={request.path.rsplit('/', 2)[0]}/")
            if op == "message":
                act.do_send_staff_message(report, post.get("text", ""), kind=post.get("kind") or MessageKind.MESSAGE,
                                          acting_user=request.user, staff_private=private)
            else:
                target = get_object_or_404(Organization, pk=post.get("target") or 0)
                act.do_forward_report(report, target, acting_user=request.user, staff_private=private)
        else:
            raise Http404
    except ValidationError as exc:
        for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]):
            for m in msgs:
                messages.error(request, m)
    except act.NoKey:
        messages.error(request, _("You hold no key of this report: ask a colleague who does to share keys with you."))
    else:
        messages.success(request, _("Done."))
        if op in ("forward", "exclude") and not reports_for(request.user).filter(pk=report.pk).exists():
            return redirect("reports:list")
    return redirect("reports:detail", report.uuid)


def _key_url() -> str:
    from django.urls import reverse

    return reverse("reports:key")


@never_cache
@login_required
def custodian(request: HttpRequest) -> HttpResponse:
    """An identity custodian decides on handlers' requests to open a reporter's identity."""
    if not has_any(request.user, "reports.custodian"):
        raise PermissionDenied(_("You are not an identity custodian."))
    if request.method == "POST":
        req = get_object_or_404(identity_requests_to_decide(request.user), pk=request.POST.get("request") or 0)
        private = keys.unlocked(request)
        try:
            act.do_decide_identity(req, request.POST.get("grant") == "1", acting_user=request.user,
                                   staff_private=private)
        except act.NoKey:
            messages.error(request, _("Unlock your key first: opening an identity needs it."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Decided; the decision is logged."))
        return redirect("reports:custodian")
    return render(request, "reports/custodian.html", {"requests": list(identity_requests_to_decide(request.user)[:50]),
                                                      "unlocked": keys.unlocked(request) is not None})


@login_required
def identity_requests(request: HttpRequest) -> HttpResponse:
    """Supervisors see every identity request of their reports: who asked, why, who decided."""
    if not has_any(request.user, "reports.supervise"):
        raise PermissionDenied(_("Your role does not supervise reports."))
    page = Paginator(identity_log(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/identity_log.html", {"page": page, "rows": page.object_list})

