"""The hot spots of a run as an Excel workbook (``core.spreadsheets``: analysts' labels and
conclusions and citizens' texts that look like formulas are stored as text)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.core import spreadsheets
from dangjian.insight.models import Run, Topic

SAMPLES = 3


@spreadsheets.export("insight.topics")
def topics_workbook(run: Run, topics: list[Topic], samples: dict[str, str]) -> bytes:
    """One row per live topic, biggest pain first: figures, places, conclusion and a few masked
    sample texts (``samples``: key → masked text)."""
    book = spreadsheets.Book()
    sheet = book.sheet(_("Hot spots"))
    finished = f"{run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else ""
    sheet.title([run.organization.name, finished, _("%(n)d texts") % {"n": run.text_count}])
    sheet.header([_("Topic"), _("Top terms"), _("Texts"), _("Growth"), _("Negative share"), _("Unresolved share"),
                  _("Pain point score"), pgettext("location", "Places"), _("Conclusion"), _("Sample texts (personal data masked)")])
    for t in topics:
        sheet.append([t.label, " ".join(t.keywords[:8]), t.size, t.growth, t.negative_share, t.unresolved_share,
                      t.pain, "、".join(f"{p[0]}({p[1]})" for p in t.places[:5]), t.conclusion,
                      "\n".join(samples[k] for k in t.sample_keys[:SAMPLES] if k in samples)])
    return book.to_bytes()
