"""Template tags for the page shell: ``{% load dangjian_ui %}``.

``{% main_nav as links %}``, ``{% language_links as langs %}``, ``{% safe_url "app:name" as u %}``,
``{% asset "css/app.css" %}``, ``{% paging_query as qs %}`` (core/_pagination.html).
"""

from __future__ import annotations

from typing import Any

from django import template

from dangjian.core import ui

register = template.Library()


@register.simple_tag(takes_context=True)
def main_nav(context: Any) -> list[dict[str, Any]]:
    request = context.get("request")
    return ui.main_nav(request) if request is not None else []


@register.simple_tag(takes_context=True)
def language_links(context: Any) -> list[dict[str, Any]]:
    request = context.get("request")
    return ui.language_links(request) if request is not None else []


@register.simple_tag
def safe_url(url_name: str, *args: Any) -> str:
    """Like {% url %} but an unknown name gives "" instead of an error."""
    return ui.safe_reverse(url_name, *args) or ""


@register.simple_tag
def asset(path: str) -> str:
    """``{% static %}`` that never fails the page; see ``dangjian.core.ui.static_url``."""
    return ui.static_url(path)


@register.simple_tag(takes_context=True)
def shell_nav(context: Any) -> dict[str, Any]:
    """What base.html draws: home link, navigation groups, the phone's bottom bar."""
    request = context.get("request")
    if request is None:
        return {"home": None, "groups": [], "bar": [], "staff": False, "search_url": None}
    return ui.shell_nav(request)


@register.inclusion_tag("core/_icon.html")
def icon(name: str) -> dict[str, Any]:
    """An icon of the sprite ``img/icons.svg`` (decorative: hidden from screen readers)."""
    return {"href": f"{ui.static_url('img/icons.svg')}#i-{name or 'more'}"}


@register.simple_tag(takes_context=True)
def paging_query(context: Any) -> str:
    """The query string that pagination links keep (``?<this>&page=N``): the view's ``filter_qs``
    when it passes one (only the filters it knows), else the current query string less ``page``."""
    if "filter_qs" in context:
        return str(context["filter_qs"] or "")
    request = context.get("request")
    if request is None:
        return ""
    query = request.GET.copy()
    query.pop("page", None)
    return str(query.urlencode())
