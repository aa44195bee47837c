"""`make run` wiring: with DUES_DEMO_SIMULATOR the demo pays through the local simulators (identities
kept in var/), a real gateway configuration wins, and it is off (and warned about) otherwise."""

from __future__ import annotations

import socket

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.dues.actions import do_create_online_payment, do_generate_bills
from dangjian.dues.checks import check_demo_simulator
from dangjian.dues.config import alipay_settings, wechatpay_settings
from dangjian.dues.gateways import available_channels
from dangjian.dues.models import Bill
from dangjian.dues.simulators import demo
from dangjian.dues.tests.conftest import give_base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def demo_on(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    settings.DUES_DEMO_SIMULATOR = True
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES": {}}
    monkeypatch.setenv("DUES_SIM_WECHAT_PORT", str(free_port()))
    monkeypatch.setenv("DUES_SIM_ALIPAY_PORT", str(free_port()))
    monkeypatch.setenv("PORT", "8123")
    return tmp_path


def test_off_by_default(settings):
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES": {}}
    settings.DUES_DEMO_SIMULATOR = False
    assert wechatpay_settings() is None and alipay_settings() is None and available_channels() == []
    with pytest.raises(CommandError):
        call_command("dues_simulator")
    assert check_demo_simulator() == []


def test_demo_pays_through_the_simulators(demo_on, tree, users, this_month):
    wechat, alipay = demo.start_simulators()
    try:
        assert (demo_on / "var" / "dues-simulator.json").stat().st_mode & 0o077 == 0
        assert available_channels() == ["wechat", "alipay"]
        assert wechatpay_settings()["NOTIFY_URL"] == "http://127.0.0.1:8123/dues/notify/wechat/"
        give_base(tree.alice, 510000, acting_user=users.secretary)
        do_generate_bills(this_month)
        payment = do_create_online_payment(tree.alice, months=[this_month], channel="wechat", mode="h5",
                                           acting_user=users.member)
        assert payment.status == "pending" and payment.pay_url.startswith(wechat.url + "/sim/checkmweb")
        assert wechat.order(payment.out_trade_no).amount == Bill.objects.get(member=tree.alice).amount_cents
        other = do_create_online_payment(tree.alice, months=[this_month], channel="alipay", acting_user=users.member)
        assert other.pay_url.startswith(alipay.url + "?")
        assert check_demo_simulator()[0].id == "dues.W001"
    finally:
        wechat.stop()
        alipay.stop()


def test_real_configuration_wins(demo_on, settings):
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES": {"WECHATPAY": {"MCHID": "real"}}}
    assert wechatpay_settings() == {"MCHID": "real"}
    assert alipay_settings()["GATEWAY"].endswith("/gateway.do")


def test_simulator_ports_follow_port(monkeypatch):
    """Two stacks on different PORTs no longer both ask for 8790/8791."""
    monkeypatch.delenv("DUES_SIM_WECHAT_PORT", raising=False)
    monkeypatch.delenv("DUES_SIM_ALIPAY_PORT", raising=False)
    monkeypatch.setenv("PORT", "8100")
    assert demo.ports() == (8890, 8891)
