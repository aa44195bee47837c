"""Chinese full-text search for the portal, behind a small interface.

``index_page(page)`` / ``unindex_page(page)`` keep the index of live pages; ``search(query)``
returns a paginable queryset of hits; ``snippet(text, tokens)`` cuts a highlighted excerpt.

The index is a plain token table (``SearchToken``: page, jieba token, weight) — the same SQL on
SQLite and PostgreSQL, one indexed ``token IN (...)`` lookup grouped by page. Text is segmented
with rjieba (``cut_for_search`` when indexing, so both whole words and their parts are found;
``cut`` for the query). This is the portal's own implementation of what DESIGN.md calls
``core.search``; it can move to core unchanged once another module needs it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import rjieba
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Page

from dangjian.portal.blocks import article_text
from dangjian.portal.models import SearchDocument, SearchToken

TITLE_WEIGHT = 5
SUMMARY_WEIGHT = 2
MAX_QUERY_TOKENS = 12
SNIPPET_CHARS = 120


def tokens(text: str, *, for_index: bool = False) -> list[str]:
    """Lower-cased jieba tokens of ``text`` that contain a letter, digit or CJK character."""
    if not text:
        return []
    words = rjieba.cut_for_search(text) if for_index else rjieba.cut(text)
    out = []
    for w in words:
        w = w.strip().lower()
        if w and len(w) <= 64 and any(ch.isalnum() for ch in w):
            out.append(w)
    return out


def query_tokens(query: str) -> list[str]:
    seen: dict[str, None] = {}
    for t in tokens(query):
        seen.setdefault(t, None)
    return list(seen)[:MAX_QUERY_TOKENS]


def _page_text(page: Any) -> tuple[str, str]:
    specific = page.specific
    summary = getattr(specific, "summary", "") or ""
    if hasattr(specific, "body"):
        body = article_text(specific)
    else:
        body = strip_tags(str(getattr(specific, "intro", "") or ""))
    return summary, body


def index_page(page: Page) -> None:
    """(Re)index the live version of ``page``; a page that is not live is removed."""
    page = Page.objects.get(pk=page.pk).specific
    if not page.live:
        unindex_page(page)
        return
    summary, body = _page_text(page)
    weights: Counter[str] = Counter()
    for t in tokens(page.title, for_index=True):
        weights[t] += TITLE_WEIGHT
    for t in tokens(summary, for_index=True):
        weights[t] += SUMMARY_WEIGHT
    for t in tokens(body, for_index=True):
        weights[t] += 1
    with transaction.atomic():
        SearchToken.objects.filter(page=page).delete()
        SearchToken.objects.bulk_create(
            [SearchToken(page_id=page.pk, token=t, weight=w) for t, w in weights.items()], batch_size=500
        )
        SearchDocument.objects.update_or_create(
            page_id=page.pk,
            defaults={"title": page.title, "text": "\n".join(x for x in (summary, body) if x),
                      "date": getattr(page, "date", None) or page.first_published_at},
        )


def unindex_page(page: Page) -> None:
    with transaction.atomic():
        SearchToken.objects.filter(page_id=page.pk).delete()
        SearchDocument.objects.filter(page_id=page.pk).delete()


def search(query: str) -> tuple[list[str], QuerySet[Any]]:
    """(query tokens, hits) — hits are dicts ``{"page": id, "matched": n, "score": s}`` of live,
    public pages containing every token, best first."""
    toks = query_tokens(query)
    if not toks:
        return toks, SearchToken.objects.none().values("page")
    live = Page.objects.live().public().values("pk")
    hits = (
        SearchToken.objects.filter(token__in=toks, page__in=live)
        .values("page")
        .annotate(matched=Count("token"), score=Sum("weight"))
        .filter(matched=len(toks))
        .order_by("-score", "-page")
    )
    return toks, hits


def snippet(text: str, toks: list[str], length: int = SNIPPET_CHARS) -> SafeString:
    """An escaped excerpt of ``text`` around the first match, matches wrapped in ``<mark>``."""
    text = " ".join((text or "").split())
    if not toks:
        return mark_safe(escape(text[:length]))  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(t) for t in sorted(toks, key=len, reverse=True)), re.IGNORECASE)
    m = pattern.search(text)
    start = max(0, (m.start() if m else 0) - length // 3)
    excerpt = text[start:start + length]
    out = ["…" if start > 0 else ""]
    pos = 0
    for match in pattern.finditer(excerpt):
        out.append(escape(excerpt[pos:match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        pos = match.end()
    out.append(escape(excerpt[pos:]))
    if start + length < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped
