from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString
from wagtail.rich_text import expand_db_html

from dangjian.core.hooks import public_links as _public_links
from dangjian.core.sanitize import RICH, clean_html

register = template.Library()


@register.filter
def safe_richtext(value: Any) -> SafeString:
    """Wagtail's rich text expanded to HTML, then whitelisted (``core.sanitize``, the rich-text policy)."""
    source = getattr(value, "source", value)
    return clean_html(expand_db_html(str(source or "")), RICH)


@register.simple_tag
def public_links() -> list[dict[str, Any]]:
    """The public pages other modules register (``core.hooks.register_public_link``)."""
    return _public_links()
