"""Alipay OpenAPI ("gateway.do"): QR (precreate) or PC-web (page.pay) payments, query, refunds and
asynchronous notifications, all RSA2-signed (protocols.md §7). A thin ``requests`` client, no SDK.

Orderly's payment reference is Alipay's ``out_trade_no``; the refund id is ``out_request_no``, which makes a
retried refund harmless (Alipay answers ``fund_change: N`` and moves no money twice).
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode

import requests
from cryptography.exceptions import InvalidSignature as BadRsaSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from marshmallow import Schema, fields, validate

from saas.money import Money
from saas.providers import (InvalidSignature, Notification, PaymentAction, PaymentGateway, PaymentRequest,
                            PaymentResult, ProviderError, RefundRequest, RefundResult, readable_by)

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
BEIJING = dt.timezone(dt.timedelta(hours=8))     # Alipay's timestamps are China Standard Time
NOTIFY_ACK = (200, "success", "text/plain")       # anything else and Alipay resends, 8 times over ~25 h
PAID_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
TIMEOUT = 15
_WHITESPACE = re.compile(r"\s*")


# --- keys and signatures ------------------------------------------------------------------------

def _key_bytes(text: str, kind: str) -> tuple[bytes, bool]:
    """Alipay's console hands out bare base64 keys; accept those as well as PEM."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return text.encode(), True
    try:
        return base64.b64decode(text, validate=True), False
    except ValueError:
        raise ValueError(f"the {kind} key is neither PEM nor base64") from None


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    data, pem = _key_bytes(text, "private")
    key = (serialization.load_pem_private_key if pem else serialization.load_der_private_key)(data, None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    data, pem = _key_bytes(text, "public")
    key = (serialization.load_pem_public_key if pem else serialization.load_der_public_key)(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def sign_content(params: Mapping[str, str]) -> str:
    """Sorted ``k=v`` joined by ``&``, unencoded; ``sign`` and empty values left out."""
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "sign" and params[key] != "")


def rsa2_sign(key: rsa.RSAPrivateKey, content: str) -> str:
    return base64.b64encode(key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(key: rsa.RSAPublicKey, content: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), content.encode("utf-8"), padding.PKCS1v15(),
                   hashes.SHA256())
        return True
    except (BadRsaSignature, ValueError):
        return False


def top_level_raw_values(text: str) -> dict[str, str]:
    """Each top-level member of a JSON object exactly as written: Alipay signs the raw ``*_response`` text,
    so re-serialising it would break the signature."""
    decoder, values = json.JSONDecoder(), {}
    pos = _WHITESPACE.match(text, 0).end()
    if text[pos:pos + 1] != "{":
        raise ValueError("not a JSON object")
    pos = _WHITESPACE.match(text, pos + 1).end()
    while text[pos:pos + 1] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _WHITESPACE.match(text, pos).end()
        if text[pos:pos + 1] != ":":
            raise ValueError("expected ':'")
        start = _WHITESPACE.match(text, pos + 1).end()
        _, end = decoder.raw_decode(text, start)
        values[key] = text[start:end]
        pos = _WHITESPACE.match(text, end).end()
        if text[pos:pos + 1] == ",":
            pos = _WHITESPACE.match(text, pos + 1).end()
        elif text[pos:pos + 1] != "}":
            raise ValueError("expected ',' or '}'")
    return values


# --- settings and results ----------------------------------------------------------------------------

class AlipaySettings(Schema):
    api_base = fields.String(load_default=DEFAULT_GATEWAY, validate=validate.URL(require_tld=False),
                             metadata={"description": "The gateway.do URL (sandbox or a local fake in tests)."})
    product = fields.String(load_default="qr", validate=validate.OneOf(["qr", "page"]),
                            metadata={"description": "qr: show a QR code (precreate); page: redirect to the "
                                                     "PC cashier (page.pay)."})


class AlipayCredentials(Schema):
    app_id = fields.String(required=True, validate=validate.Regexp(r"^\d{10,32}$"))
    app_private_key = fields.String(required=True, validate=readable_by(load_private_key),
                                    metadata={"description": "The app's RSA2 private key (PEM or base64)."})
    alipay_public_key = fields.String(required=True, validate=readable_by(load_public_key),
                                      metadata={"description": "Alipay's public key for this app."})


def trade_result(trade: Mapping[str, str]) -> PaymentResult:
    """A trade (query answer or notification) as a PaymentResult. TRADE_CLOSED means either 'closed unpaid'
    or 'paid, then refunded in full': only a payment time tells them apart."""
    status = trade.get("trade_status", "")
    result, code, message = "pending", None, None
    if status in PAID_STATUSES or (status == "TRADE_CLOSED" and _was_paid(trade)):
        result = "succeeded"
    elif status == "TRADE_CLOSED":
        result, code, message = "cancelled", status, "Alipay closed the trade unpaid (timed out or cancelled)."
    amount = Money.from_decimal(trade["total_amount"], "CNY") if trade.get("total_amount") else None
    return PaymentResult(trade.get("out_trade_no"), result, gateway_reference=trade.get("trade_no") or None,
                         amount=amount, failure_code=code, failure_message=message)


def _was_paid(trade: Mapping[str, str]) -> bool:
    return bool(trade.get("send_pay_date") or trade.get("gmt_payment"))


def _require_cny(money: Money) -> None:
    if money.currency != "CNY":
        raise ProviderError(f"Alipay charges in CNY, not {money.currency}", code="currency_unsupported")


# --- the gateway -----------------------------------------------------------------------------------

class AlipayGateway(PaymentGateway):
    name = "alipay"
    label = "Alipay 支付宝"
    settings_schema = AlipaySettings
    credentials_schema = AlipayCredentials

    @property
    def gateway_url(self) -> str:
        return self.settings.get("api_base") or DEFAULT_GATEWAY

    @functools.cached_property
    def _app_key(self) -> rsa.RSAPrivateKey:
        return self.parsed_credential("app_private_key", load_private_key)

    @functools.cached_property
    def _alipay_key(self) -> rsa.RSAPublicKey:
        return self.parsed_credential("alipay_public_key", load_public_key)

    def _signed_params(self, method: str, biz: dict, **extra: str | None) -> dict[str, str]:
        params = {"app_id": self.credentials.get("app_id", ""), "method": method, "format": "JSON",
                  "charset": "utf-8", "sign_type": "RSA2", "version": "1.0",
                  "timestamp": self.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                  "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":"))}
        params.update({key: value for key, value in extra.items() if value})
        params["sign"] = rsa2_sign(self._app_key, sign_content(params))
        return params

    def _call(self, method: str, biz: dict, **extra: str | None) -> dict[str, Any]:
        try:
            response = requests.post(self.gateway_url, data=self._signed_params(method, biz, **extra),
                                     timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ProviderError(f"Alipay is unreachable: {exc}", code="network_error", retryable=True) from None
        if response.status_code >= 500:
            raise ProviderError(f"Alipay answered HTTP {response.status_code}", code="http_error", retryable=True)
        answer = self._verified_answer(method, response.content)
        if answer.get("code") != "10000":
            raise ProviderError(answer.get("sub_msg") or answer.get("msg") or "Alipay refused the call",
                                code=answer.get("sub_code") or answer.get("code"),
                                retryable=answer.get("code") == "20000")
        return answer

    def _verified_answer(self, method: str, content: bytes) -> dict[str, Any]:
        try:
            raw = top_level_raw_values(content.decode("utf-8"))
            raw_answer = raw.get(method.replace(".", "_") + "_response") or raw["error_response"]
            answer, signature = json.loads(raw_answer), json.loads(raw.get("sign", "null"))
        except (UnicodeDecodeError, ValueError, KeyError):
            raise ProviderError("unreadable answer from Alipay", code="bad_response") from None
        if signature is None and answer.get("code") != "10000":
            return answer    # Alipay leaves some refusals (e.g. a bad request signature) unsigned
        if not isinstance(signature, str) or not rsa2_verify(self._alipay_key, raw_answer, signature):
            raise ProviderError("Alipay's answer fails its signature check", code="invalid_response_signature")
        return answer

    # --- payments ------------------------------------------------------------------------------

    def create_payment(self, payment: PaymentRequest) -> PaymentAction:
        _require_cny(payment.amount)
        biz = {"out_trade_no": payment.reference, "total_amount": payment.amount.to_decimal_string(),
               "subject": (payment.description or payment.order_number)[:256]}
        if self.settings.get("product") == "page":
            biz["product_code"] = "FAST_INSTANT_TRADE_PAY"
            params = self._signed_params("alipay.trade.page.pay", biz, notify_url=self.notify_url,
                                         return_url=payment.return_url)
            return PaymentAction("redirect", f"{self.gateway_url}?{urlencode(params)}")
        answer = self._call("alipay.trade.precreate", biz, notify_url=self.notify_url)
        return PaymentAction("qr_code", answer["qr_code"])

    def query(self, payment: PaymentRequest) -> PaymentResult:
        try:
            answer = self._call("alipay.trade.query", {"out_trade_no": payment.reference})
        except ProviderError as exc:
            if exc.code == "ACQ.TRADE_NOT_EXIST":    # a QR trade exists only once the buyer scans it
                return PaymentResult(payment.reference, "pending")
            raise
        return trade_result(answer)

    def refund(self, refund: RefundRequest) -> RefundResult:
        _require_cny(refund.amount)
        biz = {"out_trade_no": refund.payment.reference, "refund_amount": refund.amount.to_decimal_string(),
               "out_request_no": refund.refund_id}
        if refund.reason:
            biz["refund_reason"] = refund.reason[:256]
        answer = self._call("alipay.trade.refund", biz)
        # fund_change N: no money moved by *this* call (a retry, or still processing): ask how it stands.
        status = "succeeded" if answer.get("fund_change") == "Y" else self._refund_status(refund)
        return RefundResult(refund.refund_id, status, amount=refund.amount)

    def _refund_status(self, refund: RefundRequest) -> str:
        answer = self._call("alipay.trade.fastpay.refund.query",
                            {"out_trade_no": refund.payment.reference, "out_request_no": refund.refund_id})
        return "succeeded" if answer.get("refund_status") == "REFUND_SUCCESS" else "pending"

    def test_connection(self) -> None:
        # A query for a trade that cannot exist proves both signatures work without touching real trades.
        try:
            self._call("alipay.trade.query", {"out_trade_no": "ORDERLY-CONNECTION-TEST"})
        except ProviderError as exc:
            if exc.code != "ACQ.TRADE_NOT_EXIST":
                raise

    # --- notifications -------------------------------------------------------------------------

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        fields_ = self._verified_notify_fields(body)
        if fields_.get("app_id") != self.credentials.get("app_id"):
            raise InvalidSignature("the notification is for another Alipay app", code="wrong_app")
        try:
            event_id = fields_["notify_id"]
            if fields_.get("out_biz_no") and fields_.get("refund_fee"):
                # A refund's notify names the refund by its out_request_no in out_biz_no.
                return Notification(event_id, refund=RefundResult(fields_["out_biz_no"], "succeeded",
                                                                  gateway_reference=fields_.get("trade_no")),
                                    ack=NOTIFY_ACK)
            if fields_.get("notify_type") != "trade_status_sync":
                return Notification(event_id, ack=NOTIFY_ACK)
            return Notification(event_id, payment=trade_result(fields_), ack=NOTIFY_ACK)
        except (KeyError, ValueError, ArithmeticError) as exc:
            raise InvalidSignature(f"malformed Alipay notification: {exc}", code="malformed") from None

    def _verified_notify_fields(self, body: bytes) -> dict[str, str]:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise InvalidSignature("the notification is not a UTF-8 form", code="malformed") from None
        fields_ = dict(pairs)
        if len(fields_) != len(pairs):
            raise InvalidSignature("a field is repeated", code="malformed")
        signature, sign_type = fields_.pop("sign", ""), fields_.pop("sign_type", "")
        if not signature or sign_type != "RSA2":
            raise InvalidSignature("missing sign, or sign_type is not RSA2", code="invalid_signature")
        if not rsa2_verify(self._alipay_key, sign_content(fields_), signature):
            raise InvalidSignature("the notification fails Alipay's signature check", code="invalid_signature")
        return fields_
