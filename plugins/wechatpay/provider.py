"""WeChat Pay API v3 (微信支付): Native QR payments, query, refunds and encrypted notifications
(protocols.md §8). A thin ``requests`` client; keys and AES-GCM from ``cryptography``.

Requests are signed with the merchant's private key; every 2xx answer and every notification must carry a
fresh (|now − ts| < 300 s) signature by WeChat Pay's platform key, in WeChat-Pay-public-key mode (one key,
named by its ``PUB_KEY_ID_…``). Orderly's payment reference is ``out_trade_no``; its refund id is
``out_refund_no``, so a retried refund returns the refund already made.
"""
from __future__ import annotations

import base64
import functools
import json
import secrets
from typing import Any, Mapping
from urllib.parse import quote, urlencode, urlsplit

import requests
from cryptography.exceptions import InvalidSignature as BadRsaSignature
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from marshmallow import Schema, fields, validate

from saas.money import Money
from saas.providers import (InvalidSignature, Notification, PaymentAction, PaymentGateway, PaymentRequest,
                            PaymentResult, ProviderError, RefundRequest, RefundResult, readable_by)

DEFAULT_API_BASE = "https://api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
TIMESTAMP_WINDOW = 300
NOTIFY_ACK = (204, "", "text/plain")     # "received": 200 or 204 without a body
TIMEOUT = 15
TRADE_STATES = {"SUCCESS": "succeeded", "REFUND": "succeeded", "NOTPAY": "pending", "USERPAYING": "pending",
                "CLOSED": "cancelled", "REVOKED": "cancelled", "PAYERROR": "failed"}
REFUND_STATUSES = {"SUCCESS": "succeeded", "PROCESSING": "pending", "CLOSED": "failed", "ABNORMAL": "failed"}


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


class WechatPaySettings(Schema):
    api_base = fields.String(load_default=DEFAULT_API_BASE, validate=validate.URL(require_tld=False),
                             metadata={"description": "API base URL (a local fake server in tests)."})


class WechatPayCredentials(Schema):
    mchid = fields.String(required=True, validate=validate.Regexp(r"^\d{8,12}$"))
    appid = fields.String(required=True, validate=validate.Length(min=6, max=32),
                          metadata={"description": "The AppID bound to the merchant (公众号/小程序/APP)."})
    merchant_serial_no = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Fa-f]{8,64}$"),
                                       metadata={"description": "Serial number of the merchant API certificate."})
    merchant_private_key = fields.String(required=True, validate=readable_by(load_private_key),
                                         metadata={"description": "apiclient_key.pem"})
    api_v3_key = fields.String(required=True, validate=validate.Length(equal=32),
                               metadata={"description": "APIv3 key (32 characters): decrypts notifications."})
    platform_public_key = fields.String(required=True, validate=readable_by(load_public_key),
                                        metadata={"description": "WeChat Pay public key (PEM)."})
    platform_public_key_id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                                           metadata={"description": "Its id, PUB_KEY_ID_…"})


def header_value(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == wanted), "")


def transaction_result(tx: Mapping[str, Any]) -> PaymentResult:
    state = tx.get("trade_state", "")
    status = TRADE_STATES.get(state, "pending")
    amount = tx.get("amount") or {}
    failed = status in ("failed", "cancelled")
    return PaymentResult(tx.get("out_trade_no"), status, gateway_reference=tx.get("transaction_id") or None,
                         amount=Money(int(amount["total"]), amount.get("currency", "CNY")) if "total" in amount
                         else None,
                         failure_code=state if failed else None,
                         failure_message=tx.get("trade_state_desc") if failed else None)


def refund_result(refund: Mapping[str, Any]) -> RefundResult:
    """A refund from the API (``status``) or from a notification (``refund_status``)."""
    state = refund.get("status") or refund.get("refund_status", "")
    status = REFUND_STATUSES.get(state, "pending")
    return RefundResult(refund.get("out_refund_no"), status, gateway_reference=refund.get("refund_id"),
                        amount=Money(int(refund["amount"]["refund"]), refund["amount"].get("currency", "CNY"))
                        if "amount" in refund else None,
                        failure_message=f"WeChat Pay refund {state}" if status == "failed" else None)


class WechatPayGateway(PaymentGateway):
    name = "wechatpay"
    label = "WeChat Pay 微信支付"
    settings_schema = WechatPaySettings
    credentials_schema = WechatPayCredentials

    @functools.cached_property
    def _merchant_key(self) -> rsa.RSAPrivateKey:
        return self.parsed_credential("merchant_private_key", load_private_key)

    @functools.cached_property
    def _platform_key(self) -> rsa.RSAPublicKey:
        return self.parsed_credential("platform_public_key", load_public_key)

    # --- signed calls --------------------------------------------------------------------------

    def _authorization(self, method: str, path: str, body: str) -> str:
        timestamp, nonce = str(int(self.now().timestamp())), secrets.token_hex(16).upper()
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode()
        signature = base64.b64encode(self._merchant_key.sign(message, padding.PKCS1v15(), hashes.SHA256()))
        return (f'{SIGNATURE_TYPE} mchid="{self.credentials.get("mchid", "")}",nonce_str="{nonce}",'
                f'signature="{signature.decode()}",timestamp="{timestamp}",'
                f'serial_no="{self.credentials.get("merchant_serial_no", "")}"')

    def _request(self, method: str, path: str, payload: dict | None = None) -> dict[str, Any]:
        url = (self.settings.get("api_base") or DEFAULT_API_BASE).rstrip("/") + path
        parts = urlsplit(url)
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        headers = {"Authorization": self._authorization(method, parts.path + (f"?{parts.query}" if parts.query
                                                                             else ""), body),
                   "Accept": "application/json", "Content-Type": "application/json"}
        try:
            response = requests.request(method, url, data=body.encode() or None, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ProviderError(f"WeChat Pay is unreachable: {exc}", code="network_error",
                                retryable=True) from None
        if not 200 <= response.status_code < 300:
            raise _api_error(response)
        problem = self._signature_problem(response.headers, response.content)
        if problem:
            raise ProviderError(f"WeChat Pay's answer: {problem}", code="invalid_response_signature")
        return response.json() if response.content else {}

    def _signature_problem(self, headers: Mapping[str, str], body: bytes) -> str | None:
        """Why a response or notification is not genuinely from WeChat Pay, or None if it is."""
        timestamp, nonce = header_value(headers, "Wechatpay-Timestamp"), header_value(headers, "Wechatpay-Nonce")
        signature, serial = header_value(headers, "Wechatpay-Signature"), header_value(headers, "Wechatpay-Serial")
        signature_type = header_value(headers, "Wechatpay-Signature-Type")
        if not (timestamp and nonce and signature and serial):
            return "Wechatpay-* signature headers missing"
        if signature_type not in ("", SIGNATURE_TYPE) or serial != self.credentials.get("platform_public_key_id"):
            return f"signed with an unknown key or scheme ({serial}, {signature_type or 'no type'})"
        if not timestamp.isdigit() or abs(self.now().timestamp() - int(timestamp)) >= TIMESTAMP_WINDOW:
            return "timestamp outside the 300 s window"
        message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
        try:
            self._platform_key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(),
                                      hashes.SHA256())
        except (BadRsaSignature, ValueError):
            return "signature does not verify"
        return None

    # --- payments ------------------------------------------------------------------------------

    def create_payment(self, payment: PaymentRequest) -> PaymentAction:
        _require_cny(payment.amount)
        if not self.notify_url:
            raise ProviderError("WeChat Pay needs the integration's hook URL", code="no_notify_url")
        answer = self._request("POST", "/v3/pay/transactions/native", {
            "appid": self.credentials.get("appid"), "mchid": self.credentials.get("mchid"),
            "description": (payment.description or payment.order_number)[:127],
            "out_trade_no": payment.reference, "notify_url": self.notify_url,
            "amount": {"total": payment.amount.amount, "currency": "CNY"}})
        return PaymentAction("qr_code", answer["code_url"])

    def _transaction_path(self, out_trade_no: str) -> str:
        return (f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?"
                f"{urlencode({'mchid': self.credentials.get('mchid', '')})}")

    def query(self, payment: PaymentRequest) -> PaymentResult:
        try:
            return transaction_result(self._request("GET", self._transaction_path(payment.reference)))
        except ProviderError as exc:
            if exc.code == "ORDER_NOT_EXIST":    # create_payment never reached WeChat Pay
                return PaymentResult(payment.reference, "pending")
            raise

    def refund(self, refund: RefundRequest) -> RefundResult:
        _require_cny(refund.amount)
        payload = {"out_trade_no": refund.payment.reference, "out_refund_no": refund.refund_id,
                   "amount": {"refund": refund.amount.amount, "total": refund.payment.amount.amount,
                              "currency": "CNY"}}
        if refund.reason:
            payload["reason"] = refund.reason[:80]
        if self.notify_url:
            payload["notify_url"] = self.notify_url
        return refund_result(self._request("POST", "/v3/refund/domestic/refunds", payload))

    def test_connection(self) -> None:
        # Querying an order that cannot exist proves both signatures work without touching a real order.
        try:
            self._request("GET", self._transaction_path("ORDERLY-CONNECTION-TEST"))
        except ProviderError as exc:
            if exc.code != "ORDER_NOT_EXIST":
                raise

    # --- notifications -------------------------------------------------------------------------

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        problem = self._signature_problem(headers, body)
        if problem:
            raise InvalidSignature(f"WeChat Pay notification: {problem}", code="invalid_signature")
        try:
            event = json.loads(body)
            event_id, kind = str(event["id"]), event["event_type"]
            if kind.startswith("TRANSACTION."):
                return Notification(event_id, payment=transaction_result(self._resource(event)), ack=NOTIFY_ACK)
            if kind.startswith("REFUND."):
                return Notification(event_id, refund=refund_result(self._resource(event)), ack=NOTIFY_ACK)
        except (ValueError, KeyError, TypeError, AttributeError, InvalidTag) as exc:
            raise InvalidSignature(f"malformed WeChat Pay notification: {exc!r}", code="malformed") from None
        return Notification(event_id, ack=NOTIFY_ACK)

    def _resource(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The decrypted resource, checked to belong to this merchant."""
        resource = event["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise ValueError(f"unsupported algorithm {resource.get('algorithm')}")
        associated = resource.get("associated_data")
        plain = AESGCM(self.credentials.get("api_v3_key", "").encode()).decrypt(
            resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]),
            associated.encode() if associated else None)
        decrypted = json.loads(plain)
        if decrypted.get("mchid") != self.credentials.get("mchid"):
            raise ValueError("the notification is for another merchant")
        return decrypted


def _require_cny(money: Money) -> None:
    if money.currency != "CNY":
        raise ProviderError(f"WeChat Pay charges in CNY, not {money.currency}", code="currency_unsupported")


def _api_error(response: requests.Response) -> ProviderError:
    try:
        error = response.json()
        code, message = error.get("code"), error.get("message")
    except ValueError:
        code, message = None, None
    return ProviderError(message or f"WeChat Pay answered HTTP {response.status_code}",
                         code=code or f"http_{response.status_code}",
                         retryable=response.status_code >= 500 or response.status_code == 429)
