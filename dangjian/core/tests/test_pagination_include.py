"""The one pagination include (core/_pagination.html) every list page uses: links keep the filters
(the view's ``filter_qs``, else the current query string) and never repeat ``page``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _render(url: str, **context: object) -> str:
    request = RequestFactory().get(url)
    page = Paginator(list(range(30)), 10).get_page(request.GET.get("page"))
    return render_to_string("core/_pagination.html", {"page": page, **context}, request=request)


def test_links_keep_the_current_filters_without_repeating_page() -> None:
    html = _render("/dues/ledger/?org=7&status=open&page=2")
    assert 'href="?org=7&amp;status=open&amp;page=1"' in html
    assert 'href="?org=7&amp;status=open&amp;page=3"' in html
    assert html.count("page=") == 2


def test_the_views_filter_qs_wins_over_the_raw_query_string() -> None:
    html = _render("/opinions/staff/?status=new&junk=1&page=2", filter_qs="status=new")
    assert 'href="?status=new&amp;page=3"' in html and "junk" not in html


def test_no_filters_gives_plain_page_links_and_one_page_no_nav() -> None:
    html = _render("/forum/?page=2")
    assert 'href="?page=1"' in html and 'href="?page=3"' in html
    request = RequestFactory().get("/")
    single = Paginator([1], 10).get_page(1)
    assert "pagination" not in render_to_string("core/_pagination.html", {"page": single}, request=request)
