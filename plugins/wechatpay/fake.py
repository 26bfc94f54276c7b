"""A stateful fake of WeChat Pay API v3 (protocols.md §8), in WeChat-Pay-public-key mode.

Checks every request's ``Authorization: WECHATPAY2-SHA256-RSA2048 …`` (merchant id, certificate serial,
5-minute timestamp, RSA signature over ``METHOD\\nPATH?QUERY\\nTS\\nNONCE\\nBODY\\n``) and answers
``401 {"code":"SIGN_ERROR",…}`` when it fails; signs every answer with the platform key (``Wechatpay-*``
headers). Real endpoints: ``POST /v3/pay/transactions/native``, ``GET /v3/pay/transactions/out-trade-no/{no}
?mchid=``, ``POST …/{no}/close``, ``POST /v3/refund/domestic/refunds`` (refuses more than is refundable),
``GET /v3/refund/domestic/refunds/{out_refund_no}``. Refunds start ``PROCESSING``, as at WeChat Pay.

Test controls (never at WeChat Pay): ``POST /_fake/transactions/{no}/pay`` | ``/fail`` ``{"message"}``,
``POST /_fake/refunds/{out_refund_no}/settle`` ``{"status": "SUCCESS"|"ABNORMAL"|"CLOSED"}``, and
``POST /_fake/{transactions|refunds}/{no}/notification`` ``{"signer": "platform"|"foreign", "timestamp"}``
returning ``{"headers", "body"}``: the latest notification about it, AES-GCM encrypted and signed now.

Run it: ``python -m plugins.wechatpay.fake --port 8002``.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import re
import secrets
import string
import time

import requests
from cryptography.exceptions import InvalidSignature as BadRsaSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Response, jsonify, request

from plugins.wechatpay.provider import WechatPayGateway
from saas.testing.fakeserver import run_forever, serve_wsgi
from saas.testing.gateway_contract import ExpectedFailure, GatewayHarness

SCHEME = "WECHATPAY2-SHA256-RSA2048"
CHINA = dt.timezone(dt.timedelta(hours=8))
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rfc3339_now() -> str:
    return dt.datetime.now(CHINA).isoformat(timespec="seconds")


def error(status: int, code: str, message: str):
    return jsonify({"code": code, "message": message}), status


class WechatPayFake:
    """The fake's accounts, keys and state; ``app`` is its WSGI application."""

    def __init__(self):
        self.mchid, self.appid = f"19{secrets.randbelow(10**8):08d}", f"wx{secrets.token_hex(8)}"
        self.merchant_key, self.merchant_serial = new_key(), secrets.token_hex(20).upper()
        self.platform_key, self.foreign_key = new_key(), new_key()
        self.platform_key_id = f"PUB_KEY_ID_0119{secrets.randbelow(10**14):014d}"
        self.api_v3_key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.transactions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.events: dict[str, list[str]] = {}      # out_trade_no / out_refund_no -> exact event payloads
        self.app = self._build_app()

    def credentials(self) -> dict:
        pem = serialization.Encoding.PEM
        return {"mchid": self.mchid, "appid": self.appid, "merchant_serial_no": self.merchant_serial,
                "merchant_private_key": self.merchant_key.private_bytes(
                    pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode(),
                "api_v3_key": self.api_v3_key, "platform_public_key_id": self.platform_key_id,
                "platform_public_key": self.platform_key.public_key().public_bytes(
                    pem, serialization.PublicFormat.SubjectPublicKeyInfo).decode()}

    # --- the caller's signature, and ours ------------------------------------------------------------

    def authenticate(self):
        if request.path.startswith("/_fake/"):
            return None
        header = request.headers.get("Authorization", "")
        given = dict(_AUTH_FIELD.findall(header.removeprefix(SCHEME + " ")))
        if not header.startswith(SCHEME + " ") or not {"mchid", "nonce_str", "signature", "timestamp",
                                                       "serial_no"} <= given.keys():
            return error(401, "SIGN_ERROR", "Authorization不合法")
        if given["mchid"] != self.mchid or given["serial_no"] != self.merchant_serial:
            return error(401, "SIGN_ERROR", "商户号或证书序列号错误")
        if not given["timestamp"].isdigit() or abs(time.time() - int(given["timestamp"])) > 300:
            return error(401, "SIGN_ERROR", "请求时间戳已过期")
        path = request.environ.get("RAW_URI") or request.full_path.rstrip("?")
        message = (f"{request.method}\n{path}\n{given['timestamp']}\n{given['nonce_str']}\n".encode()
                   + request.get_data() + b"\n")
        try:
            self.merchant_key.public_key().verify(base64.b64decode(given["signature"]), message,
                                                  padding.PKCS1v15(), hashes.SHA256())
        except (BadRsaSignature, ValueError):
            return error(401, "SIGN_ERROR", "错误的签名，验签失败")
        return None

    def signature_headers(self, body: bytes, signer: str = "platform", timestamp: int | None = None) -> dict:
        key = self.foreign_key if signer == "foreign" else self.platform_key
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": self.platform_key_id,
                "Wechatpay-Signature-Type": SCHEME,
                "Wechatpay-Signature": rsa_sign(key, f"{stamp}\n{nonce}\n".encode() + body + b"\n")}

    def sign_response(self, response: Response) -> Response:
        if not request.path.startswith("/_fake/"):
            response.headers.update(self.signature_headers(response.get_data()))
            response.headers["Request-ID"] = secrets.token_hex(16)
        return response

    # --- payments ------------------------------------------------------------------------------------

    def native(self):
        order = request.get_json(silent=True) or {}
        amount = order.get("amount") or {}
        if not all(order.get(k) for k in ("appid", "mchid", "description", "out_trade_no", "notify_url")) \
                or not isinstance(amount.get("total"), int) or amount["total"] < 1:
            return error(400, "PARAM_ERROR", "参数错误")
        if (order["appid"], order["mchid"]) != (self.appid, self.mchid):
            return error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        tx = self.transactions.get(order["out_trade_no"])
        if tx and tx["trade_state"] in ("SUCCESS", "REFUND"):
            return error(400, "ORDERPAID", "该订单已支付")
        if tx and (tx["amount"]["total"], tx["description"]) != (amount["total"], order["description"]):
            return error(400, "OUT_TRADE_NO_USED", "商户订单号重复")
        if tx is None:
            tx = self.transactions[order["out_trade_no"]] = {
                "appid": self.appid, "mchid": self.mchid, "out_trade_no": order["out_trade_no"],
                "description": order["description"], "trade_type": "NATIVE", "trade_state": "NOTPAY",
                "trade_state_desc": "订单未支付", "notify_url": order["notify_url"], "attach": "",
                "amount": {"total": amount["total"], "currency": amount.get("currency", "CNY")},
                "code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}"}
        return jsonify({"code_url": tx["code_url"]})

    def transaction(self, out_trade_no: str):
        tx = self.transactions.get(out_trade_no)
        if request.args.get("mchid") != self.mchid:
            return error(400, "PARAM_ERROR", "mchid不合法")
        if tx is None:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        return jsonify({k: v for k, v in tx.items() if k not in ("description", "notify_url", "code_url")})

    def close(self, out_trade_no: str):
        tx = self.transactions.get(out_trade_no)
        if tx is None:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        if tx["trade_state"] in ("SUCCESS", "REFUND"):
            return error(400, "ORDERPAID", "该订单已支付")
        tx.update(trade_state="CLOSED", trade_state_desc="订单已关闭")
        return Response(status=204)

    # --- refunds -------------------------------------------------------------------------------------

    def create_refund(self):
        asked = request.get_json(silent=True) or {}
        amount = asked.get("amount") or {}
        tx = self.transactions.get(asked.get("out_trade_no", ""))
        if not asked.get("out_refund_no") or not isinstance(amount.get("refund"), int) or amount["refund"] < 1:
            return error(400, "PARAM_ERROR", "参数错误")
        if tx is None:
            return error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if asked["out_refund_no"] in self.refunds:    # a retry answers with the refund already made
            return jsonify(self.refunds[asked["out_refund_no"]])
        if tx["trade_state"] not in ("SUCCESS", "REFUND"):
            return error(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if amount.get("total") != tx["amount"]["total"]:
            return error(400, "PARAM_ERROR", "amount.total与订单金额不一致")
        if amount["refund"] > tx["amount"]["total"] - self.refunded(tx["out_trade_no"]):
            return error(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        refund = {"refund_id": f"5030{secrets.randbelow(10**25):025d}", "out_refund_no": asked["out_refund_no"],
                  "transaction_id": tx["transaction_id"], "out_trade_no": tx["out_trade_no"],
                  "channel": "ORIGINAL",
                  "user_received_account": "支付用户零钱", "create_time": rfc3339_now(), "status": "PROCESSING",
                  "funds_account": "AVAILABLE",
                  "amount": {"total": tx["amount"]["total"], "refund": amount["refund"],
                             "payer_total": tx["amount"]["total"], "payer_refund": amount["refund"],
                             "currency": "CNY"}}
        self.refunds[refund["out_refund_no"]] = refund
        tx.update(trade_state="REFUND", trade_state_desc="订单发生过退款，退款详情请查询退款单")
        return jsonify(refund)

    def refunded(self, out_trade_no: str) -> int:
        return sum(r["amount"]["refund"] for r in self.refunds.values()
                   if r["out_trade_no"] == out_trade_no and r["status"] in ("PROCESSING", "SUCCESS"))

    def get_refund(self, out_refund_no: str):
        refund = self.refunds.get(out_refund_no)
        return jsonify(refund) if refund else error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")

    # --- notifications and controls ------------------------------------------------------------------

    def emit(self, about: str, event_type: str, summary: str, original_type: str, resource: dict) -> None:
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM(self.api_v3_key.encode()).encrypt(
            nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), original_type.encode())
        event = {"id": f"EV-{secrets.token_hex(10)}", "create_time": rfc3339_now(), "resource_type":
                 "encrypt-resource", "event_type": event_type, "summary": summary,
                 "resource": {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
                              "ciphertext": base64.b64encode(ciphertext).decode(),
                              "associated_data": original_type, "nonce": nonce}}
        self.events.setdefault(about, []).append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))

    def pay(self, out_trade_no: str):
        tx = self.transactions.get(out_trade_no)
        if tx is None:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        tx.update(trade_state="SUCCESS", trade_state_desc="支付成功", bank_type="OTHERS",
                  transaction_id=f"4200{secrets.randbelow(10**24):024d}", success_time=rfc3339_now(),
                  payer={"openid": f"o{secrets.token_urlsafe(20)}"})
        tx["amount"].update(payer_total=tx["amount"]["total"], payer_currency="CNY")
        resource = {k: v for k, v in tx.items() if k not in ("description", "notify_url", "code_url")}
        self.emit(out_trade_no, "TRANSACTION.SUCCESS", "支付成功", "transaction", resource)
        return jsonify({"transaction_id": tx["transaction_id"]})

    def fail(self, out_trade_no: str):
        # WeChat Pay sends no notification for a failed payment: only a query shows it.
        message = (request.get_json(silent=True) or {}).get("message") or "支付失败，请重新下单支付"
        if out_trade_no not in self.transactions:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        self.transactions[out_trade_no].update(trade_state="PAYERROR", trade_state_desc=message)
        return jsonify({"trade_state": "PAYERROR"})

    def settle_refund(self, out_refund_no: str):
        refund = self.refunds.get(out_refund_no)
        if refund is None:
            return error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        status = (request.get_json(silent=True) or {}).get("status", "SUCCESS")
        refund.update(status=status, success_time=rfc3339_now() if status == "SUCCESS" else None)
        resource = {"mchid": self.mchid, "refund_status": status, "user_received_account": "支付用户零钱",
                    **{k: refund[k] for k in ("out_trade_no", "transaction_id", "out_refund_no", "refund_id")},
                    "amount": {k: refund["amount"][k] for k in ("total", "refund", "payer_total", "payer_refund")}}
        if status == "SUCCESS":
            resource["success_time"] = refund["success_time"]
        summary = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}[status]
        self.emit(out_refund_no, f"REFUND.{status}", summary, "refund", resource)
        return jsonify({"status": status})

    def notification(self, kind: str, number: str):
        payloads = self.events.get(number)
        if not payloads:
            return error(404, "RESOURCE_NOT_EXISTS", f"no notification about {kind} {number}")
        given = request.get_json(silent=True) or {}
        body = payloads[-1].encode()
        headers = {"Content-Type": "application/json",
                   **self.signature_headers(body, given.get("signer", "platform"), given.get("timestamp"))}
        return jsonify({"headers": headers, "body": payloads[-1]})

    def _build_app(self) -> Flask:
        app = Flask(__name__)
        app.before_request(self.authenticate)
        app.after_request(self.sign_response)
        routes = [("/v3/pay/transactions/native", self.native, "POST"),
                  ("/v3/pay/transactions/out-trade-no/<out_trade_no>", self.transaction, "GET"),
                  ("/v3/pay/transactions/out-trade-no/<out_trade_no>/close", self.close, "POST"),
                  ("/v3/refund/domestic/refunds", self.create_refund, "POST"),
                  ("/v3/refund/domestic/refunds/<out_refund_no>", self.get_refund, "GET"),
                  ("/_fake/transactions/<out_trade_no>/pay", self.pay, "POST"),
                  ("/_fake/transactions/<out_trade_no>/fail", self.fail, "POST"),
                  ("/_fake/refunds/<out_refund_no>/settle", self.settle_refund, "POST"),
                  ("/_fake/<kind>/<number>/notification", self.notification, "POST")]
        for rule, view, method in routes:
            app.add_url_rule(rule, view.__name__, view, methods=[method])
        return app


class WechatPayHarness(GatewayHarness):
    """Drives the fake for the gateway contract (saas.testing.gateway_contract)."""
    gateway_class = WechatPayGateway
    action_type = "qr_code"
    expected_ack = (204, "")
    assigns_reference_on_create = False     # transaction_id exists once the buyer pays
    notifies_failures = False               # WeChat Pay notifies successful payments only
    notify_url = "https://shop.example/hooks/t_00000001/3"

    def __init__(self, url: str, credentials: dict):
        self.url, self.credentials = url, credentials

    @classmethod
    @contextlib.contextmanager
    def running(cls):
        fake = WechatPayFake()
        with serve_wsgi(fake.app) as server:
            yield cls(server.url, fake.credentials())

    def gateway(self, now=None, credentials=None) -> WechatPayGateway:
        return WechatPayGateway({"api_base": self.url}, credentials or self.credentials, self.notify_url, now)

    def gateway_with_wrong_credentials(self) -> WechatPayGateway:
        other = new_key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
        return self.gateway(credentials={**self.credentials, "merchant_private_key": other})

    def control(self, path: str, **payload) -> dict:
        response = requests.post(f"{self.url}/_fake/{path}", json=payload, timeout=5)
        response.raise_for_status()
        return response.json()

    def mark_paid(self, payment):
        self.control(f"transactions/{payment.reference}/pay")

    def mark_failed(self, payment, code, message):
        self.control(f"transactions/{payment.reference}/fail", message=message)
        return ExpectedFailure("failed", "PAYERROR", message)

    def delivery(self, path: str, foreign_signer: bool):
        sent = self.control(path, signer="foreign" if foreign_signer else "platform")
        return sent["headers"], sent["body"].encode("utf-8")

    def payment_notification(self, payment, foreign_signer=False):
        return self.delivery(f"transactions/{payment.reference}/notification", foreign_signer)

    def settle_refund(self, payment, refund):
        self.control(f"refunds/{refund.refund_id}/settle", status="SUCCESS")

    def refund_notification(self, payment, refund, foreign_signer=False):
        return self.delivery(f"refunds/{refund.refund_id}/notification", foreign_signer)

    def unsigned(self, delivery):
        headers, body = delivery
        return {k: v for k, v in headers.items() if k.lower() != "wechatpay-signature"}, body


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the WeChat Pay fake server.")
    parser.add_argument("--port", type=int, default=8002)
    fake = WechatPayFake()
    run_forever(fake.app, parser.parse_args().port, "WeChat Pay", fake.credentials())


if __name__ == "__main__":
    main()
