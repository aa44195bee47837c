"""Fixtures of the dues tests: throwaway keys, the WeChat Pay simulator, members with bases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from dangjian.core.actors import ActingUser
from dangjian.dues.actions import do_submit_base
from dangjian.dues.billing import current_month
from dangjian.dues.simulators.keys import KeyPair, make_keypair
from dangjian.dues.simulators.wechatpay import WeChatPaySimulator


@pytest.fixture(scope="session")
def sim_keys() -> tuple[KeyPair, KeyPair]:
    return make_keypair(), make_keypair()


@pytest.fixture
def wechat_sim(sim_keys: tuple[KeyPair, KeyPair], settings: Any) -> Iterator[WeChatPaySimulator]:
    """The simulator running in a thread, and our settings pointing at it. The notify URL is set
    by tests that need the simulator to call us (``live_server``)."""
    merchant, platform = sim_keys
    sim = WeChatPaySimulator(merchant=merchant, platform=platform).start()
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES": {
        "WECHATPAY": sim.merchant_config().settings("http://127.0.0.1:9/dues/notify/wechat/", timeout=2)}}
    yield sim
    sim.stop()


def point_notify_at(settings: Any, sim: WeChatPaySimulator, base_url: str) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES": {
        **settings.DANGJIAN["DUES"],
        "WECHATPAY": sim.merchant_config().settings(f"{base_url}/dues/notify/wechat/", timeout=2)}}


def give_base(member: Any, cents: int, *, acting_user: ActingUser, category: str = "in_service", month: int = 1,
              year: int | None = None) -> Any:
    return do_submit_base(member, {"year": year or current_month().year, "effective_month": month,
                                   "category": category,
                                   "income_breakdown": [{"item": "基本工资", "cents": cents}]},
                          acting_user=acting_user)


@pytest.fixture
def this_month() -> dt.date:
    return current_month()


@pytest.fixture
def alipay_sim(sim_keys: tuple[KeyPair, KeyPair], settings: Any) -> Iterator[Any]:
    from dangjian.dues.simulators.alipay import AlipaySimulator

    app, platform = sim_keys
    sim = AlipaySimulator(app=app, platform=platform).start()
    dues = dict(settings.DANGJIAN.get("DUES") or {})
    dues["ALIPAY"] = sim.settings("http://127.0.0.1:9/dues/notify/alipay/",
                                  "http://testserver/dues/pay/{out_trade_no}/return/", timeout=2)
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES": dues}
    yield sim
    sim.stop()
