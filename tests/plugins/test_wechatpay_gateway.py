"""WeChat Pay specifics beyond the shared gateway contract, against the WeChat Pay fake server."""
import pytest

from plugins.wechatpay.fake import WechatPayFake, WechatPayHarness
from saas.money import Money
from saas.providers import InvalidSignature, PaymentRequest, ProviderError, RefundRequest
from saas.testing.fakeserver import serve_wsgi
from saas.testing.gateway_contract import clock_offset


@pytest.fixture(scope="module")
def wechat():
    fake = WechatPayFake()
    with serve_wsgi(fake.app) as server:
        yield fake, WechatPayHarness(server.url, fake.credentials())


def started(harness, reference: str, **gateway_options):
    gateway = harness.gateway(**gateway_options)
    payment = PaymentRequest(reference=reference, order_number="ORD1", amount=Money(10001, "CNY"),
                             description="WeChat Pay test")
    gateway.create_payment(payment)
    return gateway, payment


def test_an_answer_signed_by_another_key_is_refused(wechat):
    fake, harness = wechat
    genuine, fake.platform_key = fake.platform_key, fake.foreign_key
    try:
        with pytest.raises(ProviderError) as refused:
            started(harness, "PAYFORGED")
    finally:
        fake.platform_key = genuine
    assert refused.value.code == "invalid_response_signature"


def test_a_request_signed_with_a_skewed_clock_is_refused_by_wechat_pay(wechat):
    _, harness = wechat
    with pytest.raises(ProviderError) as refused:
        started(harness, "PAYSKEWED", now=clock_offset(-600))
    assert refused.value.code == "SIGN_ERROR"


def test_a_notification_about_another_merchant_is_rejected(wechat):
    fake, harness = wechat
    fake.emit("PAYELSEWHERE", "TRANSACTION.SUCCESS", "支付成功", "transaction",
              {"mchid": "1900000001", "out_trade_no": "PAYELSEWHERE", "trade_state": "SUCCESS",
               "amount": {"total": 1, "currency": "CNY"}})
    delivery = harness.delivery("transactions/PAYELSEWHERE/notification", foreign_signer=False)
    with pytest.raises(InvalidSignature, match="another merchant"):
        harness.gateway().parse_notification(*delivery)


def test_a_notification_encrypted_under_another_api_v3_key_is_rejected(wechat):
    _, harness = wechat
    _, payment = started(harness, "PAYOTHERKEY")
    harness.mark_paid(payment)
    gateway = harness.gateway(credentials={**harness.credentials, "api_v3_key": "k" * 32})
    with pytest.raises(InvalidSignature):
        gateway.parse_notification(*harness.payment_notification(payment))


def test_a_notification_naming_an_unknown_platform_key_is_rejected(wechat):
    _, harness = wechat
    gateway, payment = started(harness, "PAYSERIAL")
    harness.mark_paid(payment)
    headers, body = harness.payment_notification(payment)
    with pytest.raises(InvalidSignature):
        gateway.parse_notification({**headers, "Wechatpay-Serial": "PUB_KEY_ID_0000"}, body)


def test_an_abnormal_refund_is_notified_as_failed(wechat):
    _, harness = wechat
    gateway, payment = started(harness, "PAYABNORMAL")
    harness.mark_paid(payment)
    refund = gateway.refund(RefundRequest("RFABNORMAL", payment, Money(100, "CNY")))
    assert refund.status == "pending"
    harness.control("refunds/RFABNORMAL/settle", status="ABNORMAL")
    notified = gateway.parse_notification(*harness.refund_notification(payment, refund)).refund
    assert (notified.refund_id, notified.status) == ("RFABNORMAL", "failed")


def test_a_closed_order_is_reported_cancelled(wechat):
    _, harness = wechat
    gateway, payment = started(harness, "PAYCLOSED")
    gateway._request("POST", "/v3/pay/transactions/out-trade-no/PAYCLOSED/close",
                     {"mchid": harness.credentials["mchid"]})
    result = gateway.query(payment)
    assert (result.status, result.failure_code) == ("cancelled", "CLOSED")


def test_only_cny_is_charged(wechat):
    _, harness = wechat
    with pytest.raises(ProviderError) as refused:
        harness.gateway().create_payment(PaymentRequest("PAYUSD", "ORD1", Money(100, "USD"), "usd"))
    assert refused.value.code == "currency_unsupported"


def test_a_correctly_signed_but_malformed_notification_is_rejected(wechat):
    fake, harness = wechat
    body = b'{"id":"EV-1","event_type":"TRANSACTION.SUCCESS","resource":{"algorithm":"AEAD_AES_256_GCM"}}'
    with pytest.raises(InvalidSignature) as rejected:
        harness.gateway().parse_notification(fake.signature_headers(body), body)
    assert rejected.value.code == "malformed"
