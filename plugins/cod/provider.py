"""Cash on delivery as a payment gateway that never talks to anyone.

Orders with ``payment_method: "cod"`` go straight to ``awaiting_fulfilment`` with ``cod_due`` and never
need a payment attempt; the cash is recorded by ``saas.payments.service.mark_cod_collected`` (the merchant
confirms it, or a courier's delivered event). Refunds of COD payments are manual: recorded, no gateway call
(protocols.md §10), so ``refund`` here is never called by the core and refuses if it is.
"""
from __future__ import annotations

from saas.providers import (InvalidSignature, PaymentAction, PaymentGateway, PaymentRequest, PaymentResult,
                            ProviderError, RefundRequest, RefundResult)


class CashOnDelivery(PaymentGateway):
    name = "cod"
    label = "Cash on delivery"

    def create_payment(self, payment: PaymentRequest) -> PaymentAction:
        return PaymentAction("none", "Pay the courier in cash on delivery.")

    def parse_notification(self, headers, body: bytes):
        raise InvalidSignature("cash on delivery sends no notifications", code="no_notifications")

    def refund(self, refund: RefundRequest) -> RefundResult:
        raise ProviderError("cash on delivery is refunded by hand, not through a gateway", code="manual_only")

    def query(self, payment: PaymentRequest) -> PaymentResult:
        return PaymentResult(payment.reference, "pending")
