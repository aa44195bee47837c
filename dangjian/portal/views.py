"""Public pages outside Wagtail's page tree (search, comment posting) and the moderators'
comment queue. Thin: parse → selector/access → one action → render."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.hooks import comment_target
from dangjian.core.http import client_ip
from dangjian.core.ratelimit import consume, rate_setting
from dangjian.core.scoping import has_any
from dangjian.portal import COMMENT_RATE_DEFAULT, CommentStatus, CorrectionStatus
from dangjian.portal.actions import (
    do_answer_comment,
    do_answer_correction,
    do_moderate_comment,
    do_set_sensitive_words,
    do_submit_comment,
    do_suggest_correction,
)
from dangjian.portal.forms import (
    AnswerForm,
    CommentForm,
    CorrectionAnswerForm,
    CorrectionForm,
    ModerateForm,
    SensitiveWordsForm,
)
from dangjian.portal.models import ArticlePage, SensitiveWord, menu_sections
from dangjian.portal.search import search, snippet
from dangjian.portal.selectors import (
    access_comment,
    access_correction,
    comments_for,
    corrections_for,
    portal_home,
    published_responses,
)

MODERATION_PAGE_SIZE = 25


def _comment_rate_exceeded(ip: str) -> bool:
    return _rate_exceeded("comment", ip)


def _submit_comment_form(request: HttpRequest, target: Any) -> tuple[CommentForm, int, Any]:
    """The one POST handling of a comment on an article or a response on a matter page: rate
    limit, form, action. Returns the form, the HTTP status for a refusal, and the comment (None
    when refused); a success message is set."""
    form = CommentForm(request.POST)
    ip = client_ip(request)
    if _comment_rate_exceeded(ip):
        form.is_valid()
        form.add_error(None, _("Too many comments from your network; please try again later."))
        return form, 429, None
    if not form.is_valid():
        return form, 400, None
    try:
        comment = do_submit_comment(target, form.cleaned_data, user=request.user, ip=ip)
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return form, 400, None
    if comment.status == CommentStatus.APPROVED:
        messages.success(request, _("Thank you. Your comment is published."))
    else:
        messages.success(request, _("Thank you. Your comment will appear after review."))
    return form, 302, comment


def post_comment(request: HttpRequest, article: ArticlePage) -> HttpResponse:
    """POST to an article's own URL: a visitor's comment."""
    form, status, comment = _submit_comment_form(request, article)
    if comment is not None:
        return redirect(article.url + "#comments")
    context = article.get_context(request)
    context["comment_form"] = form
    return TemplateResponse(request, article.get_template(request), context, status=status)


@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:100]
    toks, hits = search(query) if query else ([], None)
    results: list[dict[str, Any]] = []
    page_obj = None
    if hits is not None:
        page_obj = Paginator(hits, settings.PORTAL_SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        ids = [h["page"] for h in page_obj.object_list]
        from wagtail.models import Page

        from dangjian.portal.models import SearchDocument

        docs = {d.page_id: d for d in SearchDocument.objects.filter(page_id__in=ids)}
        urls = {p.pk: p for p in Page.objects.filter(pk__in=ids)}
        for pid in ids:
            doc, page = docs.get(pid), urls.get(pid)
            if doc is None or page is None:
                continue
            results.append({"title": snippet(doc.title, toks, 200), "url": page.url, "date": doc.date,
                            "snippet": snippet(doc.text, toks)})
    home = portal_home(request)
    return render(request, "portal/search.html", {
        "query": query, "results": results, "page_obj": page_obj, "home": home,
        "menu_sections": menu_sections(home) if home else [],
    })


# --- moderation -----------------------------------------------------------------------------


def _queue(request: HttpRequest, qs: Any, statuses: Any, page_size: int) -> tuple[str, Any]:
    """A review queue (comments, corrections): the ``?status=`` asked for (pending when unknown),
    oldest first, one page of it."""
    status = request.GET.get("status") or statuses.PENDING
    if status not in statuses.values:
        status = statuses.PENDING
    qs = qs.filter(status=status).order_by("created_at", "pk")
    return status, Paginator(qs, page_size).get_page(request.GET.get("page"))


def _moderator(request: HttpRequest) -> None:
    if not (request.user.is_superuser or has_any(request.user, "portal.moderate")):
        raise Http404(_("Not found."))


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    status, page_obj = _queue(request, comments_for(request.user), CommentStatus, MODERATION_PAGE_SIZE)
    for c in page_obj:  # a comment under another module's record links to that record (no query)
        target = comment_target(c.matter_kind) if c.matter_kind else None
        c.target = {"label": target.label, "url": target.url(c.matter_ref)} if target else None
    return render(request, "portal/moderation.html", {
        "page_obj": page_obj, "status": status, "statuses": CommentStatus.choices,
        "moderate_form": ModerateForm(), "answer_form": AnswerForm(),
        "can_manage": request.user.is_superuser or has_any(request.user, "portal.manage"),
    })


@login_required
@require_POST
def moderate(request: HttpRequest, comment_id: int) -> HttpResponse:
    _moderator(request)
    comment = access_comment(request.user, comment_id)
    form = ModerateForm(request.POST)
    if form.is_valid():
        try:
            do_moderate_comment(comment, form.cleaned_data["status"], acting_user=request.user,
                                reason=form.cleaned_data["reason"])
            messages.success(request, _("The comment was updated."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("Choose publish or reject."))
    return redirect("portal:moderation")


@login_required
@require_POST
def answer(request: HttpRequest, comment_id: int) -> HttpResponse:
    _moderator(request)
    comment = access_comment(request.user, comment_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            do_answer_comment(comment, form.cleaned_data["answer"], acting_user=request.user)
            messages.success(request, _("The answer was saved."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("Write the answer."))
    return redirect(reverse("portal:moderation") + "?status=" + comment.status)


@login_required
def sensitive_words(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or has_any(request.user, "portal.manage")):
        raise Http404(_("Not found."))
    if request.method == "POST":
        form = SensitiveWordsForm(request.POST)
        if form.is_valid():
            try:
                words = do_set_sensitive_words(form.cleaned_data["words"].splitlines(), acting_user=request.user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("%(n)d sensitive words saved.") % {"n": len(words)})
                return redirect("portal:sensitive_words")
    else:
        form = SensitiveWordsForm(initial={"words": "\n".join(SensitiveWord.objects.values_list("word", flat=True))})
    return render(request, "portal/sensitive_words.html", {"form": form})


# --- "suggest a correction" (S4) ----------------------------------------------------------------

CORRECTIONS_PAGE_SIZE = 25


def _rate_exceeded(kind: str, ip: str) -> bool:
    """One comment-like post (comment, response, correction) from ``ip``: over the limit?"""
    rate = rate_setting("PORTAL_COMMENT_RATE_LIMIT", COMMENT_RATE_DEFAULT)
    if rate is None:
        return False
    limit, period = rate
    return consume(f"dangjian:portal-{kind}:{hashlib.sha256(ip.encode()).hexdigest()}", limit, period) is not None


@require_POST
def suggest_correction(request: HttpRequest, page_id: int) -> HttpResponse:
    """A visitor's correction of a live, public portal page (the form under every article)."""
    from wagtail.models import Page

    page = Page.objects.live().public().filter(pk=page_id).first()
    if page is None:
        raise Http404(_("Not found."))
    page = page.specific
    form = CorrectionForm(request.POST, prefix="correction")
    ip = client_ip(request)
    status = 400
    if _rate_exceeded("correction", ip):
        form.is_valid()
        form.add_error(None, _("Too many suggestions from your network; please try again later."))
        status = 429
    elif form.is_valid():
        try:
            do_suggest_correction(page, form.cleaned_data, user=request.user, ip=ip)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Thank you. The editors will check your correction and answer it."))
            return redirect(page.url + "#correction")
    return render(request, "portal/correction_form.html", {**_layout_context(request), "page_obj": None,
                                                          "target": page, "form": form}, status=status)


def _editor(request: HttpRequest) -> None:
    if not (request.user.is_superuser or has_any(request.user, "portal.edit")):
        raise Http404(_("Not found."))


@login_required
def corrections(request: HttpRequest) -> HttpResponse:
    _editor(request)
    status, page_obj = _queue(request, corrections_for(request.user), CorrectionStatus, CORRECTIONS_PAGE_SIZE)
    return render(request, "portal/corrections.html", {
        "page_obj": page_obj, "status": status, "statuses": CorrectionStatus.choices,
        "answer_form": CorrectionAnswerForm(),
    })


@login_required
@require_POST
def answer_correction(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    _editor(request)
    suggestion = access_correction(request.user, suggestion_id)
    form = CorrectionAnswerForm(request.POST)
    if form.is_valid():
        try:
            do_answer_correction(suggestion, form.cleaned_data["status"], form.cleaned_data["answer"],
                                 acting_user=request.user)
            messages.success(request, _("The answer was saved."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("Choose a decision and write the answer."))
    return redirect("portal:corrections")


# --- whole-process disclosure (S3) -------------------------------------------------------------

MATTERS_PAGE_SIZE = 20


def _layout_context(request: HttpRequest) -> dict[str, Any]:
    home = portal_home(request)
    return {"home": home, "menu_sections": menu_sections(home) if home else []}


@require_GET
def matters(request: HttpRequest) -> HttpResponse:
    """Public matters of one kind (tabs per registered source), newest first, paginated."""
    from dangjian.portal.disclosure import MatterList, source_or_first, sources

    source = source_or_first(request.GET.get("kind"))
    page_obj = Paginator(MatterList(source), MATTERS_PAGE_SIZE).get_page(request.GET.get("page")) if source else None
    return render(request, "portal/matters.html", {
        **_layout_context(request), "sources": sources(), "source": source, "page_obj": page_obj,
    })


@require_http_methods(["GET", "HEAD", "POST"])
def matter(request: HttpRequest, kind: str, ref: str) -> HttpResponse:
    """One matter's public steps as they happen, the public's published responses with their
    answers, and (POST) a new response — unless the source says responses are closed. 404 for
    unknown or private matters."""
    from dangjian.portal.disclosure import matter_target, public_matter

    item = public_matter(kind, ref)
    target = matter_target(item)
    form, status = CommentForm(), 200
    if request.method == "POST":
        form, status, comment = _submit_comment_form(request, target)
        if comment is not None:
            return redirect(target.url + "#responses")
    return render(request, "portal/matter.html", {
        **_layout_context(request), "matter": item, "target": target, "comment_form": form,
        "responses": published_responses(target.kind, target.ref),
    }, status=status)


def portal_page(request: HttpRequest, path: str) -> HttpResponse:
    """``/portal/…``: an anonymous visitor's page from the whole-page cache (no routing, no
    queries), otherwise Wagtail's own ``serve`` (which stores the page, see ``cache.serve_page``)."""
    from wagtail.views import serve

    from dangjian.portal.cache import cached_page

    response = cached_page(request)
    return response if response is not None else serve(request, path)
