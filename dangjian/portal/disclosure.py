"""Whole-process disclosure (S3): the portal's read side of the public matters that other
modules register through ``core.hooks.register_matter_source`` (cases/opinions, development
notices …). The portal never reads those modules' tables: it asks the source, and masks any
phone or ID-card number that slipped into a public text (defence in depth: sources already
leave personal data out). Matter pages are not page-cached, so a new step shows at once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.crypto import mask_id_number, mask_phone
from dangjian.core.hooks import MatterSource, matter_source, matter_sources

KIND_RE = re.compile(r"^[a-z0-9-]{1,40}$")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9Xx])\d{17}[0-9Xx](?![0-9Xx])")


def mask_personal_data(text: Any) -> str:
    """Phone and ID-card numbers in free text shown masked (139****5678, 32**************34)."""
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), str(text))
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _clean(row: dict[str, Any], source: MatterSource) -> dict[str, Any]:
    out = dict(row)
    for key in ("title", "summary", "sender", "place", "department", "state"):
        out[key] = mask_personal_data(row.get(key, ""))
    out["kind"] = source.kind
    out["kind_label"] = str(source.label)
    out["started_has_time"] = isinstance(row.get("started_at"), dt.datetime)
    return out


def public_matter(kind: str, ref: str) -> dict[str, Any]:
    """A public matter with its steps (oldest first); 404 for an unknown kind, an unknown ref or
    a matter its source keeps private."""
    source = matter_source(kind) if KIND_RE.match(kind or "") else None
    matter = source.get(str(ref)[:64]) if source is not None else None
    if source is None or matter is None:
        raise Http404(_("Not found."))
    out = _clean(matter, source)
    steps = []
    for step in matter.get("steps", ()):
        s = dict(step)
        s["text"] = mask_personal_data(step.get("text", ""))
        s["department"] = mask_personal_data(step.get("department", ""))
        s["has_time"] = isinstance(step.get("at"), dt.datetime)
        steps.append(s)
    out["steps"] = steps
    return out


class MatterList(Sequence[dict[str, Any]]):
    """One source's public matters as a sliceable sequence for Django's ``Paginator``: one
    ``count()`` and one ``listing()`` per page shown."""

    def __init__(self, source: MatterSource) -> None:
        self.source = source
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = int(self.source.count())
        return self._count

    def count(self, value: Any = None) -> int:  # type: ignore[override]  # Paginator calls count()
        return len(self)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            rows = self.source.listing(index, 1)
            if not rows:
                raise IndexError(index)
            return _clean(rows[0], self.source)
        start = index.start or 0
        stop = len(self) if index.stop is None else index.stop
        return [_clean(r, self.source) for r in self.source.listing(start, max(0, stop - start))]


def sources() -> list[MatterSource]:
    return matter_sources()


def source_or_first(kind: str | None) -> MatterSource | None:
    if kind:
        found = matter_source(kind)
        if found is None:
            raise Http404(_("Not found."))
        return found
    all_sources = matter_sources()
    return all_sources[0] if all_sources else None


@dataclass(frozen=True)
class MatterTarget:
    """A public matter as the target of the public's responses (``PublicComment`` with
    ``matter_kind``/``matter_ref``): what the comment actions need to know about it."""

    kind: str
    ref: str
    title: str
    org_path: str  # the owning organization: moderators of its subtree review the responses
    responses_open: bool
    closed_reason: str

    @property
    def url(self) -> str:
        return reverse("portal:matter", args=[self.kind, self.ref])


def matter_target(matter: dict[str, Any]) -> MatterTarget:
    """The response target of a matter returned by ``public_matter``."""
    return MatterTarget(
        kind=str(matter["kind"]), ref=str(matter["ref"])[:64], title=str(matter.get("title") or "")[:255],
        org_path=str(matter.get("org_path") or ""),
        responses_open=bool(matter.get("responses_open", True)),
        closed_reason=str(matter.get("responses_closed_reason") or ""),
    )
