"""Helpers for the workbench journeys (issue 14): the two viewports of the "Done means", a screen
counter, axe-core, finger-sized targets and horizontal scroll.

A *screen* is a document the browser loads in the main frame (a link followed, a form posted, a
redirect's target counted once): the ``load`` event of the page. Opening the phone's "more" sheet
(``#nav-sheet``, a fragment link) or an htmx swap loads no document and is not a screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: The viewports named by issue 14: a cheap phone and a common laptop.
PHONE = {"width": 360, "height": 640}
LAPTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
TAP = 44  # px, the smallest finger-sized target


def open_journey_page(chromium: Any, name: str) -> Iterator[Any]:
    """A fresh page at 360×640 (touch, mobile) or 1366×768 (``name`` in VIEWPORTS); ``page.viewport_name``
    says which. Use as the body of a parametrized fixture: ``yield from open_journey_page(chromium, request.param)``."""
    phone = name == "phone"
    context = chromium.new_context(viewport=VIEWPORTS[name], is_mobile=phone, has_touch=phone, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.viewport_name = name
    yield page
    context.close()


def is_phone(page: Any) -> bool:
    return getattr(page, "viewport_name", "") == "phone"


class Screens:
    """Counts the documents loaded in the main frame from the moment it is created."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.urls: list[str] = []
        page.on("load", self._loaded)

    def _loaded(self, page: Any) -> None:
        self.urls.append(page.url)

    def stop(self) -> list[str]:
        self.page.remove_listener("load", self._loaded)
        return list(self.urls)

    @property
    def count(self) -> int:
        return len(self.urls)


def serious_axe_violations(page: Any, context: Any = None) -> list[str]:
    """axe-core (bundled by axe-playwright-python, nothing fetched) on the page as it is now;
    the violations of impact "serious" or "critical", one readable line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    assert results.response["passes"], "axe-core checked no rule: it did not run on this page"
    lines = []
    for v in results.response["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = "; ".join(", ".join(map(str, n["target"])) for n in v["nodes"][:5])
            lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return lines


def small_targets(page: Any, selector: str, minimum: int = TAP) -> list[str]:
    """The visible elements matching ``selector`` less than ``minimum`` px tall (with their text)."""
    small = []
    items = page.locator(selector)
    for i in range(items.count()):
        el = items.nth(i)
        box = el.bounding_box()
        if box is None or not box["height"]:
            continue  # not rendered (inside a closed group)
        if box["height"] < minimum:
            small.append(f"{el.inner_text().strip()!r}: {box['height']:.0f}px")
    return small


def horizontal_overflow(page: Any) -> int:
    """How many px the document is wider than the viewport (0 when there is no horizontal scroll)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
