"""System checks of the dues module: a bad ``DANGJIAN["DUES_RULES"]`` stops start-up."""

from __future__ import annotations

from typing import Any

from django.core import checks

from dangjian.dues.rules import DuesRulesError, get_rules


def check_dues_rules(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        get_rules()
    except DuesRulesError as exc:
        return [checks.Error(str(exc), hint="See the docstring of dangjian/dues/rules.py for the shape.",
                             id="dues.E001")]
    return []
