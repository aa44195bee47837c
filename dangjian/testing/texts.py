"""Test helper: what the modules announce through ``core.hooks.text_added`` (texts analysed on
arrival by insight), checked against what the same module's text source offers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dangjian.core import hooks


@contextmanager
def announced_texts() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Collects ``(source_key, record)`` of every ``text_added`` that reaches its listeners (after
    the commit) while the block runs."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def listener(source: str, record: dict[str, Any]) -> None:
        seen.append((source, record))

    hooks.register_text_listener(listener)
    try:
        yield seen
    finally:
        hooks._text_listeners.remove(listener)


def offered(key: str, record_id: int) -> dict[str, Any] | None:
    """The record the source ``key`` offers a county-wide reading for the text ``record_id``."""
    source = next(s for s in hooks.text_sources() if s.key == key)
    return next((row for batch in source.batches(None, None, None, 500) for row in batch if row["id"] == record_id),
                None)
