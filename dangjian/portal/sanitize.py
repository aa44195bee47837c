"""A whitelist HTML cleaner for rich text on public pages: whatever reached the database (the
editor, an import, the API), only these tags and attributes leave the server, and links only
with safe schemes. Event handlers (``onerror=``), ``<script>``, ``style`` and ``javascript:``
URLs are dropped."""

from __future__ import annotations

from bs4 import BeautifulSoup, Comment
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "b", "strong", "i", "em", "u", "ol", "ul", "li", "blockquote",
    "hr", "a", "img", "figure", "figcaption", "span", "div", "sub", "sup", "code", "pre", "table",
    "thead", "tbody", "tr", "th", "td",
}
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}
ALLOWED_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "class"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"},
    "*": {"class"},
}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:", "/", "#")


def _url_ok(value: str) -> bool:
    v = "".join(value.split()).lower()
    return v.startswith(SAFE_SCHEMES) and not v.startswith("//")


def clean_html(html: str) -> SafeString:
    soup = BeautifulSoup(html or "", "html.parser")
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(True):
        if tag.name in DROP_WITH_CONTENT:
            tag.decompose()
    for tag in soup.find_all(True):
        if tag.name not in ALLOWED_TAGS:
            tag.unwrap()
            continue
        allowed = ALLOWED_ATTRS.get(tag.name, set()) | ALLOWED_ATTRS["*"]
        for attr in list(tag.attrs):
            if attr not in allowed or (attr in {"href", "src"} and not _url_ok(str(tag.attrs[attr]))):
                del tag.attrs[attr]
        if tag.name == "a" and str(tag.get("href") or "").startswith(("http://", "https://")):
            tag["rel"] = "noopener nofollow"
    return mark_safe(str(soup))  # noqa: S308 - whitelisted above
