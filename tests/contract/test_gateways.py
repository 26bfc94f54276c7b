"""Every bundled payment gateway passes the shared contract (saas/testing/gateway_contract.py) against its
own fake server, over real HTTP on 127.0.0.1."""
import threading

import pytest

from plugins.alipay.fake import AlipayHarness
from plugins.stripe.fake import StripeHarness
from plugins.wechatpay.fake import WechatPayHarness
from saas.plugins import build_plugin_host
from saas.testing.gateway_contract import GatewayContract


class TestStripeContract(GatewayContract):
    @pytest.fixture(scope="class")
    @classmethod
    def harness(cls):
        with StripeHarness.running() as harness:
            yield harness


class TestAlipayContract(GatewayContract):
    @pytest.fixture(scope="class")
    @classmethod
    def harness(cls):
        with AlipayHarness.running() as harness:
            yield harness


class TestWechatPayContract(GatewayContract):
    @pytest.fixture(scope="class")
    @classmethod
    def harness(cls):
        with WechatPayHarness.running() as harness:
            yield harness


def test_the_gateways_register_through_the_plugin_hook():
    gateways = build_plugin_host().providers["payment_gateway"]
    assert {name: cls.__module__ for name, cls in gateways.items() if name in ("stripe", "alipay", "wechatpay")} \
        == {"stripe": "plugins.stripe.provider", "alipay": "plugins.alipay.provider",
            "wechatpay": "plugins.wechatpay.provider"}


@pytest.mark.parametrize("harness_class", [StripeHarness, AlipayHarness, WechatPayHarness])
def test_a_stopped_fake_leaves_no_thread_and_frees_its_port(harness_class):
    import requests
    before = set(threading.enumerate())
    with harness_class.running() as harness:
        harness.gateway().test_connection()
    assert set(threading.enumerate()) <= before
    with pytest.raises(requests.ConnectionError):
        requests.get(harness.url, timeout=2)
