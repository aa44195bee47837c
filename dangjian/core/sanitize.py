"""The one HTML sanitiser: whatever reaches a page as HTML (typed by a member, written in the CMS,
imported, posted to the API) goes through ``clean_html`` with a named policy.

Built on nh3 (Rust's ammonia): the input is parsed as a browser would (HTML5 tree building,
so malformed and nested markup cannot smuggle a tag past it) and rebuilt from a whitelist. Tags
outside the policy are removed with their text kept; scripts, styles, SVG, MathML, frames and
the like are removed with their content; only the policy's attributes survive (never ``on…``
handlers or ``style``); links and images keep only the policy's URL schemes, and a relative URL
never one that a browser reads as another host (``//host``, ``/\\host``). Comments are dropped
and every link gets ``rel="nofollow noopener"``.

Text without a single tag can be turned into paragraphs first (``clean_submitted_html``), so a
member typing on a phone needs no markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe

LINK_REL = "nofollow noopener"
# Removed together with everything inside them.
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg",
                               "math", "textarea", "select", "title", "head"})


@dataclass(frozen=True)
class Policy:
    """What survives: the tags, the attributes per tag (``"*"``: on every allowed tag), the URL
    schemes of ``href``/``src``, and whether relative URLs (same site) are kept."""

    name: str
    tags: frozenset[str]
    attributes: tuple[tuple[str, frozenset[str]], ...]
    url_schemes: frozenset[str]
    relative_urls: bool


BASIC = Policy(
    # What a member types in a small editor (meeting minutes): formatting and web links.
    name="basic",
    tags=frozenset({"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}),
    attributes=(("a", frozenset({"href"})),),
    url_schemes=frozenset({"http", "https"}),
    relative_urls=False,
)

RICH = Policy(
    # Rich text of public pages (the CMS's editor, imports, the API): also images, tables, classes.
    name="rich",
    tags=frozenset({
        "p", "br", "h2", "h3", "h4", "h5", "b", "strong", "i", "em", "u", "ol", "ul", "li", "blockquote",
        "hr", "a", "img", "figure", "figcaption", "span", "div", "sub", "sup", "code", "pre", "table",
        "thead", "tbody", "tr", "th", "td",
    }),
    attributes=(
        ("a", frozenset({"href", "title"})),
        ("img", frozenset({"src", "alt", "width", "height"})),
        ("td", frozenset({"colspan", "rowspan"})),
        ("th", frozenset({"colspan", "rowspan"})),
        ("*", frozenset({"class"})),
    ),
    url_schemes=frozenset({"http", "https", "mailto", "tel"}),
    relative_urls=True,
)


LESSON = Policy(
    # A lesson of the party school made from a live lecture: rich text and the lecture's voice
    # clips (same-site ``<audio>`` players; the files stay behind the lecture's access check).
    name="lesson",
    tags=RICH.tags | {"audio"},
    attributes=(*RICH.attributes, ("audio", frozenset({"src", "controls", "preload"}))),
    url_schemes=RICH.url_schemes,
    relative_urls=True,
)


def _same_site_only(url: str) -> str | None:
    """A relative URL is kept unless a browser would read it as another host: ``//evil``,
    ``/\\evil`` and ``\\\\evil`` all are."""
    return None if url.strip().replace("\\", "/").startswith("//") else url


@cache
def _cleaner(policy: Policy) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(policy.tags),
        clean_content_tags=set(DROP_WITH_CONTENT - policy.tags),
        attributes={tag: set(names) for tag, names in policy.attributes},
        url_schemes=set(policy.url_schemes),
        url_relative=_same_site_only if policy.relative_urls else "deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def clean_html(value: str, policy: Policy = RICH) -> SafeString:
    """``value`` reduced to what ``policy`` allows; safe to print unescaped."""
    return mark_safe(_cleaner(policy).clean(value or "").strip())  # noqa: S308 - whitelisted by nh3


_TAG = re.compile(r"<[a-zA-Z/!]")


def clean_submitted_html(value: str, policy: Policy = BASIC) -> SafeString:
    """What a user submitted as rich text, cleaned: control characters dropped, text without any
    tag made into paragraphs (a blank line between paragraphs, line breaks kept), HTML cleaned."""
    value = "".join(ch for ch in (value or "") if ch in "\n\t" or ch.isprintable())
    if not value.strip():
        return mark_safe("")
    if not _TAG.search(value):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
        return mark_safe("".join(  # noqa: S308 - every line escaped
            "<p>" + "<br>".join(html.escape(line) for line in p.splitlines()) + "</p>" for p in paragraphs))
    return clean_html(value, policy)


def html_to_text(value: str) -> str:
    """The text of cleaned HTML (for a spreadsheet or a plain-text message): one line per
    paragraph, item, heading or line break."""
    text = re.sub(r"<br>|</p>|</li>|</h[2-5]>", "\n", value or "")
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()
