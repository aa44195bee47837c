"""The overview screen's configuration form: a title and a list of widgets (a Django formset with
ordering and deletion). The form only reads the input; the rules of a layout are checked once,
by ``screen.validate_widgets`` in the action, with messages naming the widget."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from dangjian.core import stats
from dangjian.stats import screen

EXTRA_ROWS = 3


def figure_choices() -> list[tuple[str, Any]]:
    """Every registered figure, grouped by module."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for fig in stats.figures():
        groups.setdefault(fig.module, []).append((fig.key, f"{fig.label} ({fig.key})"))
    return [("", "—"), *groups.items()]


def dimension_choices() -> list[tuple[str, Any]]:
    seen: dict[str, str] = {}
    for fig in stats.figures():
        for name, dim in fig.dimensions.items():
            seen.setdefault(name, f"{dim.label} ({name})")
    return [("", "—"), *sorted(seen.items())]


def figure_rules() -> dict[str, Any]:
    """For the page's script: the kinds and dimensions each figure can take."""
    return {f.key: {"kinds": screen.kinds_for(f), "dimensions": list(f.dimensions)} for f in stats.figures()}


class WidgetForm(forms.Form):
    # Callables: the registry is read when the form is drawn, not when this module is imported.
    figure = forms.ChoiceField(label=_("Figure"), required=False, choices=figure_choices)
    kind = forms.ChoiceField(label=_("Shown as"), required=False, choices=list(screen.KINDS.items()))
    dimension = forms.ChoiceField(label=_("Split by"), required=False, choices=dimension_choices)
    span = forms.TypedChoiceField(label=_("Columns"), coerce=int, required=False, empty_value=None,
                                  choices=[(n, str(n)) for n in screen.SPANS])


WidgetFormSet = formset_factory(WidgetForm, extra=EXTRA_ROWS, can_order=True, can_delete=True,
                                max_num=screen.MAX_WIDGETS, validate_max=True)


class ScreenLayoutForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=screen.TITLE_MAX,
                            help_text=_("Empty: “<organization> party-building overview”."))


def widgets_from(formset: Any) -> list[dict[str, Any]]:
    """The widgets of a valid formset in the chosen order; rows without a figure are left out."""
    out = []
    for form in formset.ordered_forms if formset.can_order else formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not data.get("figure"):
            continue
        out.append({"figure": data["figure"], "kind": data.get("kind") or "",
                    "dimension": data.get("dimension") or "", "span": data.get("span") or 1})
    return out


def initial_rows(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"figure": w.get("figure", ""), "kind": w.get("kind", ""), "dimension": w.get("dimension", ""),
             "span": w.get("span", 1), "ORDER": i} for i, w in enumerate(widgets, start=1)]
