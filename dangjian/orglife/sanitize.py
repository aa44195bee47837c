"""A whitelist sanitiser for the minutes (rich text).

The input is parsed with the standard library's HTML parser and rebuilt from scratch: only the
tags below survive, without any attribute except a checked ``href`` on links; the content of
``script``/``style`` and similar is dropped; all text is escaped. Plain text (no tags) becomes
paragraphs, so members typing on a phone need no markup.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

ALLOWED = frozenset({"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"})
VOID = frozenset({"br"})
DROP_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
                          "textarea", "select", "title", "head"})
_TAG = re.compile(r"<[a-zA-Z/!]")


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_CONTENT:
            self.skip += 1
            return
        if self.skip or tag not in ALLOWED:
            return
        if tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            if re.match(r"^https?://", href.strip(), re.IGNORECASE):
                self.out.append(f'<a href="{html.escape(href.strip(), quote=True)}" rel="nofollow noopener">')
            else:
                self.out.append("<a>")
        else:
            self.out.append(f"<{tag}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_CONTENT:
            return
        if not self.skip and tag in VOID:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_CONTENT:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out).strip()


def sanitize_html(value: str) -> str:
    value = "".join(ch for ch in (value or "") if ch in "\n\t" or ch.isprintable())
    if not value.strip():
        return ""
    if not _TAG.search(value):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
        return "".join("<p>" + "<br>".join(html.escape(line) for line in p.splitlines()) + "</p>" for p in paragraphs)
    cleaner = _Cleaner()
    cleaner.feed(value)
    cleaner.close()
    return cleaner.result()


def plain_text(value: str) -> str:
    """The text of sanitised minutes (for the ledger export)."""
    text = re.sub(r"<br>|</p>|</li>|</h3>|</h4>", "\n", value or "")
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()
