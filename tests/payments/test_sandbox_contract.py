"""sandbox_pay passes the shared payment-gateway contract. Its 'remote side' is the in-process ledger the
hosted page writes to, so the harness drives that ledger where other plugins drive their fake server."""
from __future__ import annotations

import json

import pytest

from plugins.sandbox_pay.provider import LEDGER, SIGNATURE_HEADER, SandboxPay
from saas.providers import PaymentRequest, PaymentResult
from saas.testing.gateway_contract import ExpectedFailure, GatewayContract, GatewayHarness

SECRET = "contract-secret-123"


class SandboxHarness(GatewayHarness):
    gateway_class = SandboxPay
    action_type = "redirect"
    expected_ack = (200, '{"received":true}')
    notifies_refunds = False      # refund_mode "instant": a refund is final when refund() returns
    signs_timestamps = False      # the sandbox signs the body only (HMAC-SHA256, no timestamp)
    notify_url = "https://shop.example/hooks/contract-shop/1"

    def gateway(self, now=None, secret: str = SECRET) -> SandboxPay:
        return SandboxPay({"refund_mode": "instant"}, {"secret": secret}, self.notify_url, now)

    def gateway_with_wrong_credentials(self) -> SandboxPay:
        return self.gateway(secret="short")

    def _result(self, payment: PaymentRequest, status: str = "succeeded", **failure) -> PaymentResult:
        return PaymentResult(payment.reference, status, gateway_reference=payment.gateway_reference,
                             amount=payment.amount, **failure)

    def mark_paid(self, payment: PaymentRequest) -> None:
        LEDGER.record(self._result(payment))

    def mark_failed(self, payment: PaymentRequest, code: str, message: str) -> ExpectedFailure:
        LEDGER.record(self._result(payment, status="failed", failure_code=code, failure_message=message))
        return ExpectedFailure("failed", code, message)

    def payment_notification(self, payment: PaymentRequest, foreign_signer: bool = False):
        result, _ = LEDGER.get(payment.reference)
        signer = self.gateway(secret="someone-else-entirely") if foreign_signer else self.gateway()
        return signer.notification_for(result)

    def unsigned(self, delivery):
        headers, body = delivery
        return {k: v for k, v in headers.items() if k != SIGNATURE_HEADER}, body

    def ignored_notification(self, payment: PaymentRequest):
        body = json.dumps({"id": f"evt_created_{payment.reference}", "type": "payment.created",
                           "reference": payment.reference}).encode()
        return self.gateway()._signed(json.loads(body))


class TestSandboxPayContract(GatewayContract):
    @pytest.fixture(scope="class")
    @classmethod
    def harness(cls):
        return SandboxHarness()

    def test_settings_default_to_the_real_endpoint(self, harness):
        pytest.skip("the sandbox has no remote endpoint: its hosted page is served by Orderly itself")
