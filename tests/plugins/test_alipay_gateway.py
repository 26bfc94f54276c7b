"""Alipay specifics beyond the shared gateway contract, against the Alipay fake server."""
import dataclasses
import re

import pytest
import requests

from plugins.alipay.fake import AlipayHarness, new_fake
from plugins.alipay.provider import AlipayCredentials, sign_content, top_level_raw_values
from saas.money import Money
from saas.providers import InvalidSignature, PaymentRequest, ProviderError, RefundRequest
from saas.testing.fakeserver import serve_wsgi


@pytest.fixture(scope="module")
def alipay():
    fake, credentials = new_fake()
    with serve_wsgi(fake.app) as server:
        yield fake, AlipayHarness(server.url, credentials)


def new_payment(reference: str, amount=Money(10001, "CNY")) -> PaymentRequest:
    return PaymentRequest(reference=reference, order_number="ORD1", amount=amount, description="Alipay test",
                          return_url="https://shop.example/return")


def paid(harness, reference: str):
    gateway, payment = harness.gateway(), new_payment(reference)
    gateway.create_payment(payment)
    harness.mark_paid(payment)
    return gateway, payment


def test_the_string_to_sign_is_sorted_unencoded_and_leaves_out_sign_and_empty_values():
    params = {"b": "2", "a": "x y&z=1", "sign": "S", "sign_type": "RSA2", "c": ""}
    assert sign_content(params) == "a=x y&z=1&b=2&sign_type=RSA2"


def test_the_signed_response_text_is_taken_exactly_as_alipay_wrote_it():
    text = '{ "alipay_trade_query_response" : {"msg":"a}\\"b{", "code":"10000"} , "sign":"c2ln"}'
    assert top_level_raw_values(text) == {"alipay_trade_query_response": '{"msg":"a}\\"b{", "code":"10000"}',
                                          "sign": '"c2ln"'}


def test_page_product_redirects_the_buyer_to_a_signed_cashier_url(alipay):
    fake, harness = alipay
    action = harness.gateway(product="page").create_payment(new_payment("PAYPAGE1"))
    assert action.type == "redirect" and action.value.startswith(f"{harness.url}/gateway.do?")
    assert "100.01" in action.value
    tampered = action.value.replace("100.01", "0.01")
    assert requests.get(tampered, timeout=5).status_code == 400 and "PAYPAGE1" not in fake.trades
    assert requests.get(action.value, timeout=5).status_code == 200 and "PAYPAGE1" in fake.trades


def test_an_answer_signed_by_another_key_is_refused(alipay):
    fake, harness = alipay
    genuine, fake.alipay_key = fake.alipay_key, fake.foreign_key
    try:
        with pytest.raises(ProviderError) as refused:
            harness.gateway().create_payment(new_payment("PAYFORGED"))
    finally:
        fake.alipay_key = genuine
    assert refused.value.code == "invalid_response_signature"


def test_a_notification_for_another_app_is_rejected(alipay):
    fake, harness = alipay
    gateway, payment = paid(harness, "PAYOTHERAPP")
    genuine, fake.app_id = fake.app_id, "2021000000000099"
    try:
        delivery = harness.payment_notification(payment)
    finally:
        fake.app_id = genuine
    with pytest.raises(InvalidSignature) as rejected:
        gateway.parse_notification(*delivery)
    assert rejected.value.code == "wrong_app"


def test_a_full_refund_closes_the_trade_yet_the_payment_stays_succeeded(alipay):
    _, harness = alipay
    gateway, payment = paid(harness, "PAYFULLREFUND")
    refund = gateway.refund(RefundRequest("RFFULL1", payment, payment.amount))
    notified = gateway.parse_notification(*harness.refund_notification(payment, refund))
    assert notified.payment is None and (notified.refund.refund_id, notified.refund.status) == ("RFFULL1",
                                                                                                 "succeeded")
    assert gateway.query(payment).status == "succeeded"


def test_a_finished_trade_counts_as_succeeded(alipay):
    _, harness = alipay
    gateway, payment = paid(harness, "PAYFINISHED")
    harness.control(payment, "finish")
    assert gateway.parse_notification(*harness.payment_notification(payment)).payment.status == "succeeded"
    assert gateway.query(payment).status == "succeeded"


def test_only_cny_is_charged(alipay):
    _, harness = alipay
    with pytest.raises(ProviderError) as refused:
        harness.gateway().create_payment(new_payment("PAYUSD", Money(100, "USD")))
    assert refused.value.code == "currency_unsupported"


def test_bare_base64_keys_from_the_alipay_console_work(alipay):
    _, harness = alipay
    bare = {name: re.sub(r"-----[^-]+-----|\s", "", harness.credentials[name])
            for name in ("app_private_key", "alipay_public_key")}
    credentials = AlipayCredentials().load({**harness.credentials, **bare})
    harness.gateway(credentials=credentials).test_connection()


def test_a_reference_reused_for_another_amount_is_refused(alipay):
    _, harness = alipay
    payment = new_payment("PAYREUSED")
    harness.gateway().create_payment(payment)
    with pytest.raises(ProviderError) as refused:
        harness.gateway().create_payment(dataclasses.replace(payment, amount=Money(10002, "CNY")))
    assert refused.value.code == "ACQ.CONTEXT_INCONSISTENT"
