"""Stripe: PaymentIntents and Refunds through the official SDK, signed webhooks (protocols.md §6).

Orderly's payment reference is the PaymentIntent's idempotency key and ``metadata[orderly_reference]``;
the refund id is the Refund's idempotency key and ``metadata[orderly_refund_id]``, so a retried call can
never charge or refund twice, and a webhook always leads back to Orderly's own ids.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any, Callable, Mapping

import stripe
from marshmallow import Schema, fields, validate

from saas.money import Money, exponent
from saas.providers import (InvalidSignature, Notification, PaymentAction, PaymentGateway, PaymentRequest,
                            PaymentResult, ProviderError, RefundRequest, RefundResult)

DEFAULT_API_BASE = stripe.DEFAULT_API_BASE
SIGNATURE_HEADER = "Stripe-Signature"
SIGNATURE_TOLERANCE = 300       # seconds, Stripe's own default
# Stripe takes ISK as a two-decimal amount ending in 00 although the krona has no minor unit.
_STRIPE_SCALE = {"ISK": 100}
_REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
_REFUND_STATUSES = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending",
                    "failed": "failed", "canceled": "failed"}
PAYMENT_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"}
# charge.refunded is acknowledged but ignored: current API versions leave the charge's refund list out, so
# the outcome of each refund comes from its own refund.* event.
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed"}
_SEARCHABLE = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
WEBHOOK_ACK = (200, "", "text/plain")


class StripeSettings(Schema):
    api_base = fields.String(load_default=DEFAULT_API_BASE, validate=validate.URL(require_tld=False),
                             metadata={"description": "Stripe API base URL (a local fake server in tests)."})


class StripeCredentials(Schema):
    secret_key = fields.String(required=True, validate=validate.Regexp(r"^(sk|rk)_(test|live)_\S+$"),
                               metadata={"description": "Secret (sk_…) or restricted (rk_…) API key."})
    webhook_secret = fields.String(required=True, validate=validate.Regexp(r"^whsec_\S+$"),
                                   metadata={"description": "Signing secret of the webhook endpoint."})


def to_stripe_amount(money: Money) -> tuple[int, str]:
    """(amount, lowercase currency) as Stripe's API takes them."""
    if exponent(money.currency) == 3 and money.amount % 10:
        # Stripe accepts three-decimal currencies only in multiples of ten minor units.
        raise ProviderError(f"Stripe cannot charge {money}: the last decimal must be 0", code="amount_invalid")
    return money.amount * _STRIPE_SCALE.get(money.currency, 1), money.currency.lower()


def from_stripe_amount(amount: int, currency: str) -> Money:
    code = currency.upper()
    return Money(int(amount) // _STRIPE_SCALE.get(code, 1), code)


def intent_result(intent: Mapping[str, Any], reference: str | None = None) -> PaymentResult:
    """A PaymentIntent as Orderly's PaymentResult (a failed attempt leaves it in requires_payment_method
    with last_payment_error set)."""
    error = intent.get("last_payment_error") or {}
    status = {"succeeded": "succeeded", "canceled": "cancelled"}.get(intent["status"], "pending")
    if intent["status"] == "requires_payment_method" and error:
        status = "failed"
    amount = intent.get("amount_received") if status == "succeeded" else intent.get("amount")
    code = message = None
    if status == "failed":
        code, message = error.get("code") or error.get("type"), error.get("message")
    elif status == "cancelled":
        code, message = intent.get("cancellation_reason"), "The payment was cancelled at Stripe."
    return PaymentResult(reference=(intent.get("metadata") or {}).get("orderly_reference") or reference,
                         status=status, gateway_reference=intent["id"],
                         amount=from_stripe_amount(amount, intent["currency"]),
                         failure_code=code, failure_message=message)


def refund_result(refund: Mapping[str, Any], refund_id: str | None = None) -> RefundResult:
    status = _REFUND_STATUSES.get(refund.get("status"), "pending")
    return RefundResult(refund_id=(refund.get("metadata") or {}).get("orderly_refund_id") or refund_id,
                        status=status, gateway_reference=refund["id"],
                        amount=from_stripe_amount(refund["amount"], refund["currency"]),
                        failure_message=refund.get("failure_reason") if status == "failed" else None)


def header_value(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == wanted), "")


class StripeGateway(PaymentGateway):
    name = "stripe"
    label = "Stripe"
    settings_schema = StripeSettings
    credentials_schema = StripeCredentials

    # --- calls to Stripe ------------------------------------------------------------------------

    def _client(self) -> stripe.StripeClient:
        return stripe.StripeClient(self.credentials.get("secret_key") or "sk_missing",
                                   base_addresses={"api": self.settings.get("api_base") or DEFAULT_API_BASE},
                                   max_network_retries=2)

    def _call(self, request: Callable[[stripe.StripeClient], stripe.StripeObject]) -> dict:
        try:
            return request(self._client()).to_dict()
        except stripe.StripeError as exc:
            raise _provider_error(exc) from None

    def create_payment(self, payment: PaymentRequest) -> PaymentAction:
        amount, currency = to_stripe_amount(payment.amount)
        params = {"amount": amount, "currency": currency, "description": payment.description[:1000],
                  "automatic_payment_methods": {"enabled": True},
                  "metadata": {"orderly_reference": payment.reference, "order_number": payment.order_number}}
        intent = self._call(lambda client: client.v1.payment_intents.create(
            params=params, options={"idempotency_key": payment.reference}))
        return PaymentAction("client_secret", intent["client_secret"], gateway_reference=intent["id"])

    def query(self, payment: PaymentRequest) -> PaymentResult:
        intent = self._find_intent(payment)
        if intent is None:   # never reached Stripe
            return PaymentResult(payment.reference, "pending")
        return intent_result(intent, payment.reference)

    def _find_intent(self, payment: PaymentRequest) -> dict | None:
        if payment.gateway_reference:
            return self._call(lambda client: client.v1.payment_intents.retrieve(payment.gateway_reference))
        if not _SEARCHABLE.match(payment.reference):
            raise ProviderError(f"cannot search Stripe for {payment.reference!r}", code="invalid_reference")
        query = f"metadata['orderly_reference']:'{payment.reference}'"
        found = self._call(lambda client: client.v1.payment_intents.search(params={"query": query, "limit": 1}))
        return found["data"][0] if found.get("data") else None

    def refund(self, refund: RefundRequest) -> RefundResult:
        intent = {"id": refund.payment.gateway_reference} if refund.payment.gateway_reference else \
            self._find_intent(refund.payment)
        if intent is None:
            raise ProviderError(f"Stripe has no payment {refund.payment.reference}", code="resource_missing")
        amount, _ = to_stripe_amount(refund.amount)
        metadata = {"orderly_refund_id": refund.refund_id, "orderly_reference": refund.payment.reference}
        if refund.reason:
            metadata["orderly_reason"] = refund.reason[:500]
        params = {"payment_intent": intent["id"], "amount": amount, "metadata": metadata}
        if refund.reason in _REFUND_REASONS:
            params["reason"] = refund.reason
        created = self._call(lambda client: client.v1.refunds.create(
            params=params, options={"idempotency_key": refund.refund_id}))
        return refund_result(created, refund.refund_id)

    def test_connection(self) -> None:
        self._call(lambda client: client.v1.balance.retrieve())

    # --- webhooks -------------------------------------------------------------------------------

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        self._verify_signature(header_value(headers, SIGNATURE_HEADER), body)
        try:
            event = json.loads(body)
            event_id, kind, obj = str(event["id"]), event["type"], event["data"]["object"]
            if kind in PAYMENT_EVENTS:
                return Notification(event_id, payment=intent_result(obj), ack=WEBHOOK_ACK)
            if kind in REFUND_EVENTS:
                return Notification(event_id, refund=refund_result(obj), ack=WEBHOOK_ACK)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidSignature(f"malformed Stripe event: {exc}", code="malformed") from None
        return Notification(event_id, ack=WEBHOOK_ACK)

    def _verify_signature(self, signature_header: str, body: bytes) -> None:
        secret = self.credentials.get("webhook_secret") or ""
        pairs = [item.strip().split("=", 1) for item in signature_header.split(",") if "=" in item]
        timestamps = [value for key, value in pairs if key == "t"]
        candidates = [value for key, value in pairs if key == "v1"]
        if not secret or len(timestamps) != 1 or not timestamps[0].isdigit() or not candidates:
            raise InvalidSignature("missing or malformed Stripe-Signature header", code="invalid_signature")
        expected = hmac.new(secret.encode(), timestamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates):
            raise InvalidSignature("no v1 signature matches the endpoint secret", code="invalid_signature")
        if abs(self.now().timestamp() - int(timestamps[0])) > SIGNATURE_TOLERANCE:
            raise InvalidSignature("Stripe-Signature timestamp outside the tolerance", code="stale_timestamp")


def _provider_error(exc: stripe.StripeError) -> ProviderError:
    status = exc.http_status or 0
    retryable = isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or status >= 500
    code = exc.code or (exc.error.type if exc.error else None) or type(exc).__name__
    return ProviderError(exc.user_message or str(exc), code=code, retryable=retryable)
