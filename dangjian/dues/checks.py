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


def check_demo_simulator(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check --deploy``: the demo's payment simulator must be off in production."""
    from dangjian.dues.simulators import demo

    if demo.enabled():
        return [checks.Warning("DUES_DEMO_SIMULATOR is on: dues are paid through a local simulator, not real money.",
                               hint="Unset DUES_DEMO_SIMULATOR and configure DANGJIAN['DUES']['WECHATPAY'/'ALIPAY'].",
                               id="dues.W001")]
    return []
