"""The sandbox gateway: hosted test page, HMAC-SHA256 signed JSON notifications, instant refunds.

Notification body (JSON, signed over the raw bytes, header ``X-Sandbox-Signature: <hex>``)::

    {"id": "evt_…", "type": "payment.succeeded" | "payment.failed" | "refund.succeeded" | "refund.failed",
     "reference": "PAY…", "gateway_reference": "sbx_…", "amount": {"amount": 1999, "currency": "CNY"},
     "failure_code": "card_declined", "failure_message": "…", "refund_id": "RF…"}

``LEDGER`` is the sandbox's own memory (per process) of outcomes and refunds, which ``query`` and
``refund`` answer from: enough for the poll job to find a result whose notification was lost, and for
refunds to be idempotent per refund id and capped at the captured amount. Other event types (e.g.
``payment.created``) are acknowledged and ignored.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from urllib.parse import urlencode, urlsplit

from marshmallow import Schema, fields, validate

from saas.money import Money
from saas.providers import (InvalidSignature, Notification, PaymentAction, PaymentGateway, PaymentRequest,
                            PaymentResult, ProviderError, RefundRequest, RefundResult)

SIGNATURE_HEADER = "X-Sandbox-Signature"
FAILURES = {
    "card_declined": "The card was declined.",
    "insufficient_funds": "The card has insufficient funds.",
    "cancelled": "The buyer cancelled the payment.",
}


PAYMENT_EVENTS = {"payment.succeeded": "succeeded", "payment.failed": "failed", "payment.cancelled": "cancelled"}


class SandboxSettings(Schema):
    refund_mode = fields.String(load_default="instant", validate=validate.OneOf(["instant", "async", "fail"]),
                                metadata={"description": "instant: refunds succeed at once; async: they stay "
                                                         "pending until the sandbox notifies; fail: refused."})


class SandboxCredentials(Schema):
    secret = fields.String(required=True, validate=validate.Length(min=8, max=200),
                           metadata={"description": "Shared secret that signs notifications (HMAC-SHA256)."})


class SandboxLedger:
    """What the sandbox 'gateway' remembers per payment reference: the last result with the id of the
    event that announced it (a redelivery repeats the id), and the refunds made against it."""

    def __init__(self):
        self._results: dict[str, tuple[PaymentResult, str]] = {}
        self._refunds: dict[str, dict[str, RefundResult]] = {}
        self._lock = threading.Lock()

    def record(self, result: PaymentResult) -> str:
        """Remember ``result``; returns its event id (unchanged if the same result was already known)."""
        with self._lock:
            known = self._results.get(result.reference)
            if known and known[0] == result:
                return known[1]
            event_id = f"evt_{secrets.token_hex(8)}"
            self._results[result.reference] = (result, event_id)
            return event_id

    def get(self, reference: str) -> tuple[PaymentResult, str] | None:
        with self._lock:
            return self._results.get(reference)

    def refund(self, request: RefundRequest, status: str) -> RefundResult:
        """Refund once per refund id, never above what the payment captured."""
        with self._lock:
            refunds = self._refunds.setdefault(request.payment.reference, {})
            if request.refund_id in refunds:
                return refunds[request.refund_id]
            known = self._results.get(request.payment.reference)
            captured = known[0].amount if known and known[0].status == "succeeded" and known[0].amount \
                else request.payment.amount
            refunded = sum(r.amount.amount for r in refunds.values())
            if request.amount.amount > captured.amount - refunded:
                raise ProviderError(f"refund of {request.amount} exceeds what is left of {captured}",
                                    code="amount_too_large")
            result = RefundResult(request.refund_id, status, gateway_reference=f"sbx_re_{request.refund_id}",
                                  amount=request.amount)
            refunds[request.refund_id] = result
            return result


LEDGER = SandboxLedger()


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SandboxPay(PaymentGateway):
    name = "sandbox_pay"
    label = "Sandbox Pay (test payments)"
    settings_schema = SandboxSettings
    credentials_schema = SandboxCredentials

    @property
    def secret(self) -> str:
        return self.credentials.get("secret", "")

    def page_signature(self, *parts: str) -> str:
        """Signs the hosted page's parameters so a buyer cannot edit the amount in the address bar."""
        return sign(self.secret, "|".join(parts).encode())[:32]

    def create_payment(self, payment: PaymentRequest) -> PaymentAction:
        if not self.notify_url:
            raise ProviderError("the sandbox needs the integration's hook URL", code="no_notify_url")
        hook = urlsplit(self.notify_url)
        base = f"{hook.scheme}://{hook.netloc}" if hook.netloc else ""
        amount = str(payment.amount.amount)
        query = {"hook": hook.path, "amount": amount, "currency": payment.amount.currency,
                 "order": payment.order_number, "return_url": payment.return_url or "",
                 "sig": self.page_signature(payment.reference, hook.path, amount, payment.amount.currency,
                                           payment.return_url or "")}
        gateway_reference = f"sbx_{payment.reference}"
        return PaymentAction("redirect", f"{base}/sandbox-pay/{payment.reference}?{urlencode(query)}",
                             gateway_reference=gateway_reference)

    # --- notifications ------------------------------------------------------------------------

    def build_notification(self, kind: str, reference: str, amount: Money | None = None,
                           failure_code: str | None = None, refund_id: str | None = None) -> tuple[dict, bytes]:
        """(headers, body) of a signed notification, as the hosted page (or a test) sends it. A payment
        outcome is remembered first, so ``query`` agrees with what was notified."""
        if kind in ("refund.succeeded", "refund.failed"):
            event = {"id": f"evt_{secrets.token_hex(8)}", "type": kind, "refund_id": refund_id,
                     "gateway_reference": f"sbx_re_{refund_id}"}
            return self._signed(event)
        status = kind.split(".", 1)[1]
        result = PaymentResult(reference, status, gateway_reference=f"sbx_{reference}", amount=amount,
                               failure_code=failure_code, failure_message=FAILURES.get(failure_code or ""))
        return self.notification_for(result)

    def notification_for(self, result: PaymentResult) -> tuple[dict, bytes]:
        """The signed notification announcing ``result`` (the same event id every time it is redelivered)."""
        event = {"id": LEDGER.record(result), "type": f"payment.{result.status}", "reference": result.reference,
                 "gateway_reference": result.gateway_reference,
                 "amount": result.amount.as_dict() if result.amount else None,
                 "failure_code": result.failure_code, "failure_message": result.failure_message}
        return self._signed(event)

    def _signed(self, event: dict) -> tuple[dict, bytes]:
        body = json.dumps(event, separators=(",", ":")).encode()
        return {SIGNATURE_HEADER: sign(self.secret, body), "Content-Type": "application/json"}, body

    def parse_notification(self, headers, body: bytes) -> Notification:
        given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        if not self.secret or not given or not hmac.compare_digest(sign(self.secret, body), given):
            raise InvalidSignature("bad or missing X-Sandbox-Signature", code="invalid_signature")
        try:
            event = json.loads(body)
            kind, event_id = event["type"], str(event["id"])
        except (ValueError, KeyError, TypeError):
            raise InvalidSignature("malformed sandbox notification", code="malformed") from None
        ack = (200, '{"received":true}', "application/json")
        if kind in PAYMENT_EVENTS:
            return Notification(event_id, payment=_payment_result(event), ack=ack)
        if kind in ("refund.succeeded", "refund.failed"):
            return Notification(event_id, refund=RefundResult(event.get("refund_id"), kind.split(".")[1],
                                                              gateway_reference=event.get("gateway_reference"),
                                                              failure_message=event.get("failure_message")),
                                ack=ack)
        return Notification(event_id, ack=ack)

    # --- refunds and queries ------------------------------------------------------------------

    def refund(self, refund: RefundRequest) -> RefundResult:
        mode = self.settings.get("refund_mode", "instant")
        if mode == "fail":
            raise ProviderError("the sandbox refuses refunds (refund_mode=fail)", code="refund_refused")
        return LEDGER.refund(refund, "succeeded" if mode == "instant" else "pending")

    def query(self, payment: PaymentRequest) -> PaymentResult:
        known = LEDGER.get(payment.reference)
        return known[0] if known else PaymentResult(payment.reference, "pending", gateway_reference=payment.gateway_reference)

    def test_connection(self) -> None:
        if len(self.secret) < 8:
            raise ProviderError("set a secret of at least 8 characters", code="no_secret")


def _payment_result(event: dict) -> PaymentResult:
    amount = event.get("amount")
    money = Money(int(amount["amount"]), str(amount["currency"])) if amount else None
    status = PAYMENT_EVENTS[event["type"]]
    return PaymentResult(event.get("reference"), status, gateway_reference=event.get("gateway_reference"),
                         amount=money, failure_code=event.get("failure_code"),
                         failure_message=event.get("failure_message"))
