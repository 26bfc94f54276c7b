"""A stateful fake of Alipay's OpenAPI gateway (protocols.md §7), with its own RSA2 key pair.

``/gateway.do`` takes GET or form POST with the common parameters, checks ``app_id`` and the RSA2 request
signature against the app's public key, and answers ``{"<method>_response": {...}, "sign": "..."}`` where
``sign`` covers the exact ``*_response`` text it emits. Methods: ``alipay.trade.precreate``,
``alipay.trade.page.pay`` (the buyer's browser lands on a cashier page), ``alipay.trade.query``,
``alipay.trade.refund`` (refuses more than was paid), ``alipay.trade.fastpay.refund.query``.

Test controls (never at Alipay), under ``/_fake/trades/{out_trade_no}/``: ``pay``, ``close`` (unpaid
timeout), ``finish`` (refund window over), and ``notification`` ``{"signer": "alipay"|"foreign",
"refund": out_request_no}`` which returns ``{"headers", "body"}`` — the form POST Alipay would send.

Run it: ``python -m plugins.alipay.fake --port 8001``.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

import requests
from cryptography.exceptions import InvalidSignature as BadRsaSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask, Response, request

from plugins.alipay.provider import AlipayGateway
from saas.testing.fakeserver import run_forever, serve_wsgi
from saas.testing.gateway_contract import ExpectedFailure, GatewayHarness

BEIJING = dt.timezone(dt.timedelta(hours=8))
SELLER_ID, BUYER_ID = "2088101117955611", "2088102177846880"


def _pem(key) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def string_to_sign(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign",) and v != "")


def sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def beijing_now(fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return dt.datetime.now(BEIJING).strftime(fmt)


@dataclass
class Trade:
    out_trade_no: str
    total: Decimal
    subject: str
    visible: bool                  # a precreated trade exists at Alipay only once the buyer scans it
    status: str = "WAIT_BUYER_PAY"
    trade_no: str = field(default_factory=lambda: beijing_now("%Y%m%d") + f"{secrets.randbelow(10**20):020d}")
    gmt_create: str = field(default_factory=beijing_now)
    gmt_payment: str = ""
    gmt_close: str = ""
    refunds: dict = field(default_factory=dict)     # out_request_no -> (amount, gmt_refund)
    notify_ids: dict = field(default_factory=dict)  # event -> notify_id, stable across redeliveries
    last_event: str = ""

    @property
    def refunded(self) -> Decimal:
        return sum((amount for amount, _ in self.refunds.values()), Decimal("0"))

    def record(self, status: str) -> None:
        self.status, self.last_event = status, status


class AlipayFake:
    """The fake's state and keys; ``app`` is its WSGI application."""

    def __init__(self, app_id: str, app_public_key: rsa.RSAPublicKey):
        self.app_id, self.app_public_key = app_id, app_public_key
        self.alipay_key, self.foreign_key = new_key(), new_key()
        self.trades: dict[str, Trade] = {}
        self.app = self._build_app()

    # --- the gateway ---------------------------------------------------------------------------------

    def answer(self, method: str, body: dict, signed: bool = True) -> Response:
        inner = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        node = method.replace(".", "_") + "_response" if method else "error_response"
        text = f'{{"{node}":{inner}' + (f',"sign":"{sign(self.alipay_key, inner)}"}}' if signed else "}")
        return Response(text.encode("utf-8"), content_type="text/html;charset=utf-8")

    def request_error(self, params: dict) -> dict | None:
        """Alipay's refusal of a request whose common parameters or signature are wrong, else None."""
        if params.get("app_id") != self.app_id:
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id",
                    "sub_msg": "无效的AppID参数"}
        if params.get("sign_type") != "RSA2" or not params.get("sign"):
            return {"code": "40001", "msg": "Missing Required Arguments", "sub_code": "isv.missing-signature",
                    "sub_msg": "缺少签名参数"}
        try:
            self.app_public_key.verify(base64.b64decode(params["sign"]), string_to_sign(params).encode(),
                                       padding.PKCS1v15(), hashes.SHA256())
        except (BadRsaSignature, ValueError):
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
                    "sub_msg": "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配"}
        return None

    def gateway(self) -> Response:
        params = request.values.to_dict()
        method = params.get("method", "")
        error = self.request_error(params)
        if method == "alipay.trade.page.pay":
            return self.cashier(params, error)
        if error:
            return self.answer(method, error, signed=False)
        handler = {"alipay.trade.precreate": self.precreate, "alipay.trade.query": self.query,
                   "alipay.trade.refund": self.refund,
                   "alipay.trade.fastpay.refund.query": self.refund_query}.get(method)
        if handler is None:
            return self.answer(method, business_error("isv.invalid-method", "不存在的方法名", "40002"))
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            return self.answer(method, business_error("isv.invalid-parameter", "参数无效", "40002"))
        return self.answer(method, handler(biz))

    def precreate(self, biz: dict) -> dict:
        total = parse_amount(biz.get("total_amount"))
        if not biz.get("out_trade_no") or not biz.get("subject") or total is None:
            return business_error("isv.invalid-parameter", "参数无效", "40002")
        trade = self.trades.get(biz["out_trade_no"])
        if trade and trade.status != "WAIT_BUYER_PAY":
            return business_error("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        if trade and (trade.total, trade.subject) != (total, biz["subject"]):
            return business_error("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        trade = trade or Trade(biz["out_trade_no"], total, biz["subject"], visible=False)
        self.trades[trade.out_trade_no] = trade
        return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no,
                "qr_code": f"https://qr.alipay.com/bax0{trade.trade_no[-10:]}"}

    def cashier(self, params: dict, error: dict | None) -> Response:
        biz = json.loads(params.get("biz_content") or "{}")
        total = parse_amount(biz.get("total_amount"))
        if error or total is None or biz.get("product_code") != "FAST_INSTANT_TRADE_PAY":
            reason = (error or {}).get("sub_code", "invalid-parameter")
            return Response(f"<h1>支付宝 - 错误</h1><p>错误代码 {reason}</p>", 400, mimetype="text/html")
        trade = self.trades.setdefault(biz["out_trade_no"],
                                       Trade(biz["out_trade_no"], total, biz.get("subject", ""), visible=True))
        return Response(f"<h1>支付宝收银台</h1><p>{trade.subject}</p><p>¥{trade.total}</p>", mimetype="text/html")

    def find(self, biz: dict) -> Trade | None:
        trade = self.trades.get(biz.get("out_trade_no", "")) or next(
            (t for t in self.trades.values() if t.trade_no == biz.get("trade_no")), None)
        return trade if trade and trade.visible else None

    def query(self, biz: dict) -> dict:
        trade = self.find(biz)
        if trade is None:
            return business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        paid = trade.gmt_payment != ""
        answer = {"code": "10000", "msg": "Success", "trade_no": trade.trade_no,
                  "out_trade_no": trade.out_trade_no, "buyer_logon_id": "151****1234",
                  "trade_status": trade.status, "total_amount": str(trade.total),
                  "receipt_amount": str(trade.total if paid else Decimal("0.00")),
                  "buyer_pay_amount": str(trade.total if paid else Decimal("0.00")),
                  "buyer_user_id": BUYER_ID}
        if paid:
            answer["send_pay_date"] = trade.gmt_payment
        return answer

    def refund(self, biz: dict) -> dict:
        trade, amount = self.find(biz), parse_amount(biz.get("refund_amount"))
        if trade is None:
            return business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        request_no = biz.get("out_request_no") or trade.out_trade_no   # a full refund may omit it
        if request_no in trade.refunds:    # a retry: same answer, no money moves again
            return self.refund_answer(trade, fund_change="N")
        if trade.status != "TRADE_SUCCESS":
            return business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if amount is None or amount > trade.total - trade.refunded:
            return {**business_error("ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效"),
                    "out_trade_no": trade.out_trade_no, "refund_fee": "0.00", "send_back_fee": "0.00"}
        if not biz.get("out_request_no") and amount != trade.total:
            return business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "撤销或退款金额与订单金额不一致")
        trade.refunds[request_no] = (amount, beijing_now() + ".000")
        if trade.refunded == trade.total:
            trade.status, trade.gmt_close = "TRADE_CLOSED", beijing_now()
        return self.refund_answer(trade, fund_change="Y")

    @staticmethod
    def refund_answer(trade: Trade, fund_change: str) -> dict:
        return {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                "buyer_logon_id": "151****1234", "fund_change": fund_change, "refund_fee": str(trade.refunded),
                "gmt_refund_pay": beijing_now(), "buyer_user_id": BUYER_ID, "send_back_fee": str(trade.refunded)}

    def refund_query(self, biz: dict) -> dict:
        trade = self.find(biz)
        if trade is None:
            return business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        answer = {"code": "10000", "msg": "Success", "trade_no": trade.trade_no,
                  "out_trade_no": trade.out_trade_no, "out_request_no": biz.get("out_request_no", "")}
        if biz.get("out_request_no") in trade.refunds:
            answer.update(refund_amount=str(trade.refunds[biz["out_request_no"]][0]),
                          total_amount=str(trade.total), refund_status="REFUND_SUCCESS")
        return answer

    # --- notifications -------------------------------------------------------------------------------

    def notification(self, trade: Trade, signer: str, refund_no: str | None) -> dict:
        event = f"refund:{refund_no}" if refund_no else trade.last_event
        # A payment event is resent as first sent; a refund's notify shows the trade after that refund.
        status = trade.status if refund_no else trade.last_event
        fields = {"notify_time": beijing_now(), "notify_type": "trade_status_sync", "app_id": self.app_id,
                  "notify_id": trade.notify_ids.setdefault(event, secrets.token_hex(16)), "charset": "utf-8",
                  "version": "1.0", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                  "buyer_id": BUYER_ID, "buyer_logon_id": "151****1234", "seller_id": SELLER_ID,
                  "trade_status": status, "total_amount": str(trade.total), "subject": trade.subject,
                  "gmt_create": trade.gmt_create, "gmt_payment": trade.gmt_payment, "gmt_close": trade.gmt_close}
        if trade.gmt_payment:
            bills = [{"amount": str(trade.total), "fundChannel": "ALIPAYACCOUNT"}]
            fields.update(receipt_amount=str(trade.total), buyer_pay_amount=str(trade.total),
                          fund_bill_list=json.dumps(bills))
        if refund_no:
            fields.update(out_biz_no=refund_no, refund_fee=str(trade.refunded),
                          gmt_refund=trade.refunds[refund_no][1])
        fields = {k: v for k, v in fields.items() if v != ""}   # Alipay sends no empty parameters
        key = self.foreign_key if signer == "foreign" else self.alipay_key
        fields.update(sign_type="RSA2", sign=sign(key, string_to_sign(fields)))
        return {"headers": {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                "body": urlencode(fields)}

    def control(self, out_trade_no: str, action: str):
        trade = self.trades.get(out_trade_no)
        if trade is None:
            return {"error": "no such trade"}, 404
        given = request.get_json(silent=True) or {}
        if action == "notification":
            return self.notification(trade, given.get("signer", "alipay"), given.get("refund"))
        trade.visible = True
        if action == "pay":
            trade.gmt_payment = beijing_now()
            trade.record("TRADE_SUCCESS")
        elif action == "close":
            trade.gmt_close = beijing_now()
            trade.record("TRADE_CLOSED")
        elif action == "finish":
            trade.record("TRADE_FINISHED")
        else:
            return {"error": f"unknown action {action}"}, 404
        return {"trade_no": trade.trade_no, "trade_status": trade.status}

    def _build_app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/gateway.do", "gateway", self.gateway, methods=["GET", "POST"])
        app.add_url_rule("/_fake/trades/<out_trade_no>/<action>", "control", self.control, methods=["POST"])
        return app


def business_error(sub_code: str, sub_msg: str, code: str = "40004") -> dict:
    msg = {"40004": "Business Failed", "40002": "Invalid Arguments"}[code]
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def parse_amount(text) -> Decimal | None:
    try:
        amount = Decimal(str(text))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01")) if Decimal("0.01") <= amount <= Decimal("100000000") else None


def new_fake() -> tuple[AlipayFake, dict]:
    """A fake with a fresh app key pair, and the credentials an Orderly integration would hold for it."""
    app_key = new_key()
    fake = AlipayFake(f"2021{secrets.randbelow(10**12):012d}", app_key.public_key())
    return fake, {"app_id": fake.app_id, "app_private_key": _pem(app_key),
                  "alipay_public_key": _pem(fake.alipay_key.public_key())}


class AlipayHarness(GatewayHarness):
    """Drives the fake for the gateway contract (saas.testing.gateway_contract)."""
    gateway_class = AlipayGateway
    action_type = "qr_code"
    expected_ack = (200, "success")
    assigns_reference_on_create = False      # trade_no is assigned when the buyer pays
    signs_timestamps = False                 # notify_time is signed, but Alipay defines no window for it
    notify_url = "https://shop.example/hooks/t_00000001/2"

    def __init__(self, url: str, credentials: dict):
        self.url, self.credentials = url, credentials

    @classmethod
    @contextlib.contextmanager
    def running(cls):
        fake, credentials = new_fake()
        with serve_wsgi(fake.app) as server:
            yield cls(server.url, credentials)

    def gateway(self, now=None, credentials=None, product: str = "qr") -> AlipayGateway:
        return AlipayGateway({"api_base": f"{self.url}/gateway.do", "product": product},
                             credentials or self.credentials, self.notify_url, now)

    def gateway_with_wrong_credentials(self) -> AlipayGateway:
        return self.gateway(credentials={**self.credentials, "app_private_key": _pem(new_key())})

    def control(self, payment: PaymentRequest, action: str, **payload) -> dict:
        response = requests.post(f"{self.url}/_fake/trades/{payment.reference}/{action}", json=payload, timeout=5)
        response.raise_for_status()
        return response.json()

    def mark_paid(self, payment):
        self.control(payment, "pay")

    def mark_failed(self, payment, code, message):
        self.control(payment, "close")      # Alipay has no failed state: an unpaid trade is closed
        return ExpectedFailure("cancelled", "TRADE_CLOSED")

    def payment_notification(self, payment, foreign_signer=False):
        sent = self.control(payment, "notification", signer="foreign" if foreign_signer else "alipay")
        return sent["headers"], sent["body"].encode("utf-8")

    def refund_notification(self, payment, refund, foreign_signer=False):
        sent = self.control(payment, "notification", signer="foreign" if foreign_signer else "alipay",
                            refund=refund.refund_id)
        return sent["headers"], sent["body"].encode("utf-8")

    def unsigned(self, delivery):
        headers, body = delivery
        return headers, urlencode([(k, v) for k, v in parse_qsl(body.decode()) if k != "sign"]).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Alipay fake server.")
    parser.add_argument("--port", type=int, default=8001)
    fake, credentials = new_fake()
    run_forever(fake.app, parser.parse_args().port, "Alipay", credentials, api_path="/gateway.do")


if __name__ == "__main__":
    main()
