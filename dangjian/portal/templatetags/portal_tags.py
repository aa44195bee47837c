from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString
from wagtail.rich_text import expand_db_html

from dangjian.core.sanitize import RICH, clean_html

register = template.Library()


@register.filter
def safe_richtext(value: Any) -> SafeString:
    """Wagtail's rich text expanded to HTML, then whitelisted (``core.sanitize``, the rich-text policy)."""
    source = getattr(value, "source", value)
    return clean_html(expand_db_html(str(source or "")), RICH)
