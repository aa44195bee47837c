"""Editors' pages: the outbox (every delivery in their scope), one article's status per channel
with its errors and a retry button, and the per-section channel switches. Thin: parse →
access/selector → one action → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.scoping import ALL, has_any, scope_paths, subtrees_q
from dangjian.portal.channels import ChannelKind, conf
from dangjian.portal.channels.actions import do_retry_entry, do_set_section_channel
from dangjian.portal.channels.forms import OutboxFilterForm, SectionChannelForm
from dangjian.portal.channels.models import SectionChannel
from dangjian.portal.channels.selectors import access_article, access_entry, article_status, entries_for

PAGE_SIZE = 30


def _editor(request: HttpRequest) -> None:
    if not (request.user.is_superuser or has_any(request.user, "portal.edit")):
        raise Http404(_("Not found."))


def _errors(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _editor(request)
    form = OutboxFilterForm(request.GET or None)
    qs = entries_for(request.user).order_by("-created_at", "-id")
    if form.is_valid():
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["channel"]:
            qs = qs.filter(channel=form.cleaned_data["channel"])
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "channels/outbox.html", {
        "page_obj": page_obj, "form": form, "filter_qs": params.urlencode(),
        "can_manage": request.user.is_superuser or has_any(request.user, "portal.manage"),
    })


@login_required
def article(request: HttpRequest, page_id: int) -> HttpResponse:
    _editor(request)
    page = access_article(request.user, page_id)
    return render(request, "channels/article.html", {"article": page, "rows": article_status(page)})


@login_required
@require_POST
def retry(request: HttpRequest, entry_id: int) -> HttpResponse:
    _editor(request)
    entry = access_entry(request.user, entry_id)
    try:
        do_retry_entry(entry, acting_user=request.user)
        messages.success(request, _("The delivery will be tried again."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc))
    if entry.page_id:
        return redirect("channels:article", page_id=entry.page_id)
    return redirect("channels:outbox")


#: Sections per page of the channel settings (a province has thousands).
SECTIONS_PAGE_SIZE = 50


def _sections_for(user: object) -> QuerySet:
    from dangjian.portal.models import SectionPage

    qs = SectionPage.objects.select_related("organization").order_by("path")
    paths = scope_paths(user, "portal.manage")
    if paths is not ALL:
        qs = qs.filter(subtrees_q(paths, "organization__path"))  # type: ignore[arg-type]
    return qs


@login_required
def sections(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or has_any(request.user, "portal.manage")):
        raise Http404(_("Not found."))
    in_scope = _sections_for(request.user)
    if request.method == "POST":
        form = SectionChannelForm(request.POST)
        if form.is_valid():
            section = in_scope.filter(pk=form.cleaned_data["section"]).first()
            if section is None:
                raise Http404(_("Not found."))
            try:
                do_set_section_channel(section, form.cleaned_data["channel"], enabled=form.cleaned_data["enabled"],
                                       account=form.cleaned_data["account"], acting_user=request.user)
                messages.success(request, _("The channels of “%(section)s” were saved.") % {"section": section.title})
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _errors(exc))
        else:
            messages.error(request, _("Choose a channel."))
        return redirect(f"{reverse('channels:sections')}?page={request.POST.get('page', '1')}"
                        if request.POST.get("page", "").isdigit() else reverse("channels:sections"))
    page = Paginator(in_scope, SECTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    section_list = list(page.object_list)
    configs: dict[tuple[int, str], SectionChannel] = {
        (c.section_id, c.channel): c for c in SectionChannel.objects.filter(section__in=section_list)}
    rows = [{"section": s, "channels": [
        {"value": value, "label": label, "config": configs.get((s.pk, value)),
         "configured": value == ChannelKind.APP or bool(conf.account(value, "default"))}
        for value, label in ChannelKind.choices]} for s in section_list]
    return render(request, "channels/sections.html", {"rows": rows, "page": page})
