"""A stateful fake of Stripe's API for PaymentIntents, Refunds and webhooks (protocols.md §6).

Real paths, form-encoded bracket-nested parameters, ``Authorization: Bearer``, ``Idempotency-Key`` replay,
Stripe's error shape ``{"error": {"type", "code", "message", "param"}}`` and ``Stripe-Signature`` webhooks.
Test controls live under ``/_fake/`` and never exist at Stripe:

- ``POST /_fake/payment_intents/{id}/succeed`` — the buyer paid (emits payment_intent.succeeded)
- ``POST /_fake/payment_intents/{id}/fail`` ``{"code","message","decline_code"}`` — emits .payment_failed
- ``POST /_fake/refunds/{id}/fail`` ``{"failure_reason"}`` — emits refund.failed
- ``GET  /_fake/events?object={id}`` — the events about an object, oldest first
- ``POST /_fake/events/{id}/delivery`` ``{"signer": "endpoint"|"foreign"|"rotating", "timestamp"}`` — the
  webhook delivery ``{"headers", "body"}`` Stripe would POST for that event, signed now (or at timestamp)

Run it: ``python -m plugins.stripe.fake --port 12111``.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field

import requests
from flask import Flask, Response, jsonify, make_response, request

from plugins.stripe.provider import StripeGateway
from saas.providers import PaymentRequest, RefundResult
from saas.testing.fakeserver import run_forever, serve_wsgi
from saas.testing.gateway_contract import ExpectedFailure, GatewayHarness

DEFAULT_API_VERSION = "2026-10-28.endive"
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEARCH = re.compile(r"^metadata\['([^']+)'\]:'([^']*)'$")


def new_credentials() -> dict:
    return {"secret_key": f"sk_test_{secrets.token_hex(12)}", "webhook_secret": f"whsec_{secrets.token_hex(16)}"}


def nested_form(pairs) -> dict:
    """Stripe's bracket encoding (``metadata[a]=1``, ``expand[]=x``) back to nested dicts and lists."""
    result: dict = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise ValueError(f"malformed parameter name {key!r}")
        path = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        node = result
        for part, following in zip(path, path[1:]):
            node = node.setdefault(part, [] if following == "" else {})
        if path[-1] == "":
            node.append(value)
        else:
            node[path[-1]] = value
    return result


def stripe_error(status: int, message: str, code: str | None = None, param: str | None = None,
                 error_type: str = "invalid_request_error"):
    error = {"type": error_type, "message": message}
    error.update({k: v for k, v in (("code", code), ("param", param)) if v})
    return jsonify({"error": error}), status


@dataclass
class StripeState:
    credentials: dict
    foreign_secret: str = field(default_factory=lambda: f"whsec_{secrets.token_hex(16)}")
    intents: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    refunded: dict = field(default_factory=dict)        # intent id -> amount refunded so far
    events: list = field(default_factory=list)          # (event dict, exact JSON payload)
    idempotency: dict = field(default_factory=dict)     # key -> (fingerprint, status, body)

    def emit(self, kind: str, obj: dict) -> str:
        event = {"id": f"evt_{secrets.token_hex(12)}", "object": "event",
                 "api_version": request.headers.get("Stripe-Version", DEFAULT_API_VERSION),
                 "created": int(time.time()), "type": kind, "data": {"object": copy.deepcopy(obj)},
                 "livemode": False, "pending_webhooks": 1,
                 "request": {"id": f"req_{secrets.token_hex(7)}",
                             "idempotency_key": request.headers.get("Idempotency-Key")}}
        # Stripe resends the same payload on every retry: keep the exact text.
        self.events.append((event, json.dumps(event, indent=2)))
        return event["id"]

    def sign(self, payload: str, signer: str, timestamp: int) -> str:
        secrets_by_signer = {"endpoint": [self.credentials["webhook_secret"]], "foreign": [self.foreign_secret],
                             "rotating": [self.foreign_secret, self.credentials["webhook_secret"]]}
        signatures = [hmac.new(s.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
                      for s in secrets_by_signer[signer]]
        return ",".join([f"t={timestamp}"] + [f"v1={sig}" for sig in signatures])


def create_app(credentials: dict | None = None) -> Flask:
    state = StripeState(credentials or new_credentials())
    app = Flask(__name__)
    app.config["STRIPE_STATE"] = state

    @app.before_request
    def authenticate():
        if request.path.startswith("/_fake/"):
            return None
        given = request.headers.get("Authorization", "")
        if not given.startswith("Bearer "):
            return stripe_error(401, "You did not provide an API key.")
        if not hmac.compare_digest(given[7:].encode(), state.credentials["secret_key"].encode()):
            return stripe_error(401, f"Invalid API Key provided: {given[7:15]}****{given[-4:]}")
        return None

    @app.after_request
    def request_id(response: Response) -> Response:
        response.headers.setdefault("Request-Id", f"req_{secrets.token_hex(7)}")
        return response

    _register_payment_intents(app, state)
    _register_refunds(app, state)
    _register_controls(app, state)
    return app


def idempotent(state: StripeState):
    """Replays the first answer for a reused Idempotency-Key; refuses the key with other parameters."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            if not key:
                return view(*args, **kwargs)
            fingerprint = (request.path, sorted(request.form.items(multi=True)))
            if key in state.idempotency:
                seen, status, body = state.idempotency[key]
                if seen != fingerprint:
                    return stripe_error(400, f"Keys for idempotent requests can only be used with the same "
                                             f"parameters they were first used with. Try using a key other "
                                             f"than '{key}' if you meant to execute a different request.",
                                        error_type="idempotency_error")
                return Response(body, status, {"Idempotent-Replayed": "true"}, mimetype="application/json")
            response = make_response(view(*args, **kwargs))
            if response.status_code < 400:   # like Stripe, keep no result for a request that was refused
                state.idempotency[key] = (fingerprint, response.status_code, response.get_data())
            return response
        return wrapper
    return decorate


def _register_payment_intents(app: Flask, state: StripeState) -> None:
    @app.post("/v1/payment_intents")
    @idempotent(state)
    def create_intent():
        form = nested_form(request.form.items(multi=True))
        if not str(form.get("amount", "")).isdigit() or int(form["amount"]) < 1:
            return stripe_error(400, "Missing required param: amount.", "parameter_missing", "amount")
        if not re.fullmatch(r"[a-z]{3}", form.get("currency", "")):
            return stripe_error(400, "Invalid currency.", "parameter_invalid_empty", "currency")
        intent_id = f"pi_{secrets.token_hex(12)}"
        intent = {"id": intent_id, "object": "payment_intent", "amount": int(form["amount"]),
                  "amount_capturable": 0, "amount_received": 0, "currency": form["currency"],
                  "automatic_payment_methods": {"enabled": True, "allow_redirects": "always"},
                  "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic_async",
                  "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}", "created": int(time.time()),
                  "description": form.get("description"), "last_payment_error": None, "latest_charge": None,
                  "livemode": False, "metadata": form.get("metadata", {}), "payment_method": None,
                  "status": "requires_payment_method"}
        state.intents[intent_id] = intent
        state.emit("payment_intent.created", intent)
        return jsonify(intent)

    @app.get("/v1/payment_intents/search")
    def search_intents():
        match = _SEARCH.match(request.args.get("query", ""))
        if not match:
            return stripe_error(400, "The fake supports only metadata['key']:'value' queries.", param="query")
        found = [i for i in state.intents.values() if i["metadata"].get(match.group(1)) == match.group(2)]
        limit = int(request.args.get("limit", 10))
        return jsonify({"object": "search_result", "data": found[:limit], "has_more": len(found) > limit,
                        "next_page": None, "url": "/v1/payment_intents/search"})

    @app.get("/v1/payment_intents/<intent_id>")
    def retrieve_intent(intent_id):
        if intent_id not in state.intents:
            return stripe_error(404, f"No such payment_intent: '{intent_id}'", "resource_missing", "intent")
        return jsonify(state.intents[intent_id])

    @app.post("/v1/payment_intents/<intent_id>/cancel")
    @idempotent(state)
    def cancel_intent(intent_id):
        intent = state.intents.get(intent_id)
        if intent is None:
            return stripe_error(404, f"No such payment_intent: '{intent_id}'", "resource_missing", "intent")
        if intent["status"] in ("succeeded", "canceled"):
            return stripe_error(400, f"You cannot cancel this PaymentIntent because it has a status of "
                                     f"{intent['status']}.", "payment_intent_unexpected_state")
        intent.update(status="canceled", canceled_at=int(time.time()),
                      cancellation_reason=request.form.get("cancellation_reason", "requested_by_customer"))
        state.emit("payment_intent.canceled", intent)
        return jsonify(intent)

    @app.get("/v1/balance")
    def balance():
        money = [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}]
        return jsonify({"object": "balance", "available": money, "pending": money, "livemode": False})


def _register_refunds(app: Flask, state: StripeState) -> None:
    @app.post("/v1/refunds")
    @idempotent(state)
    def create_refund():
        form = nested_form(request.form.items(multi=True))
        intent = state.intents.get(form.get("payment_intent", ""))
        if intent is None:
            return stripe_error(404, f"No such payment_intent: '{form.get('payment_intent')}'",
                                "resource_missing", "payment_intent")
        if intent["status"] != "succeeded":
            return stripe_error(400, "This PaymentIntent does not have a successful charge to refund.")
        remaining = intent["amount_received"] - state.refunded.get(intent["id"], 0)
        amount = int(form.get("amount", remaining))
        if remaining <= 0:
            return stripe_error(400, f"Charge {intent['latest_charge']} has already been refunded.",
                                "charge_already_refunded")
        if amount < 1 or amount > remaining:
            return stripe_error(400, f"Refund amount ({amount} {intent['currency']}) is greater than "
                                     f"unrefunded amount on charge ({remaining} {intent['currency']})",
                                "amount_too_large", "amount")
        state.refunded[intent["id"]] = state.refunded.get(intent["id"], 0) + amount
        refund = {"id": f"re_{secrets.token_hex(12)}", "object": "refund", "amount": amount,
                  "balance_transaction": None, "charge": intent["latest_charge"], "created": int(time.time()),
                  "currency": intent["currency"], "failure_reason": None, "metadata": form.get("metadata", {}),
                  "payment_intent": intent["id"], "reason": form.get("reason"), "status": "succeeded"}
        state.refunds[refund["id"]] = refund
        state.emit("refund.created", refund)
        return jsonify(refund)

    @app.get("/v1/refunds/<refund_id>")
    def retrieve_refund(refund_id):
        if refund_id not in state.refunds:
            return stripe_error(404, f"No such refund: '{refund_id}'", "resource_missing", "id")
        return jsonify(state.refunds[refund_id])


def _register_controls(app: Flask, state: StripeState) -> None:
    def intent_or_404(intent_id):
        if intent_id not in state.intents:
            return None, stripe_error(404, f"No such payment_intent: '{intent_id}'", "resource_missing")
        return state.intents[intent_id], None

    @app.post("/_fake/payment_intents/<intent_id>/succeed")
    def succeed(intent_id):
        intent, error = intent_or_404(intent_id)
        if error:
            return error
        intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None,
                      latest_charge=f"ch_{secrets.token_hex(12)}", payment_method=f"pm_{secrets.token_hex(12)}")
        return jsonify({"event": state.emit("payment_intent.succeeded", intent)})

    @app.post("/_fake/payment_intents/<intent_id>/fail")
    def fail(intent_id):
        intent, error = intent_or_404(intent_id)
        if error:
            return error
        given = request.get_json(silent=True) or {}
        intent.update(status="requires_payment_method", last_payment_error={
            "type": "card_error", "code": given.get("code", "card_declined"),
            "decline_code": given.get("decline_code", "generic_decline"),
            "message": given.get("message", "Your card was declined.")})
        return jsonify({"event": state.emit("payment_intent.payment_failed", intent)})

    @app.post("/_fake/refunds/<refund_id>/fail")
    def fail_refund(refund_id):
        refund = state.refunds.get(refund_id)
        if refund is None:
            return stripe_error(404, f"No such refund: '{refund_id}'", "resource_missing")
        refund.update(status="failed", failure_reason=(request.get_json(silent=True) or {}).get(
            "failure_reason", "expired_or_canceled_card"))
        state.refunded[refund["payment_intent"]] -= refund["amount"]
        return jsonify({"event": state.emit("refund.failed", refund)})

    @app.get("/_fake/events")
    def list_events():
        wanted = request.args.get("object")
        return jsonify({"data": [{"id": e["id"], "type": e["type"]} for e, _ in state.events
                                 if not wanted or e["data"]["object"]["id"] == wanted]})

    @app.post("/_fake/events/<event_id>/delivery")
    def delivery(event_id):
        given = request.get_json(silent=True) or {}
        payload = next((p for e, p in state.events if e["id"] == event_id), None)
        if payload is None:
            return stripe_error(404, f"No such event: '{event_id}'", "resource_missing")
        timestamp = int(given.get("timestamp") or time.time())
        return jsonify({"headers": {"Content-Type": "application/json; charset=utf-8",
                                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                                    "Stripe-Signature": state.sign(payload, given.get("signer", "endpoint"),
                                                                   timestamp)},
                        "body": payload})


class StripeHarness(GatewayHarness):
    """Drives the fake for the gateway contract (saas.testing.gateway_contract)."""
    gateway_class = StripeGateway
    action_type = "client_secret"
    expected_ack = (200, "")
    notify_url = "https://shop.example/hooks/t_00000001/1"

    def __init__(self, url: str, credentials: dict):
        self.url, self.credentials = url, credentials

    @classmethod
    @contextlib.contextmanager
    def running(cls):
        credentials = new_credentials()
        with serve_wsgi(create_app(credentials)) as server:
            yield cls(server.url, credentials)

    def gateway(self, now=None, credentials: dict | None = None) -> StripeGateway:
        return StripeGateway({"api_base": self.url}, credentials or self.credentials, self.notify_url, now)

    def gateway_with_wrong_credentials(self) -> StripeGateway:
        return self.gateway(credentials={**self.credentials, "secret_key": "sk_test_not_this_one"})

    def control(self, path: str, **payload) -> dict:
        response = requests.post(f"{self.url}/_fake/{path}", json=payload, timeout=5)
        response.raise_for_status()
        return response.json()

    def mark_paid(self, payment: PaymentRequest) -> None:
        self.control(f"payment_intents/{payment.gateway_reference}/succeed")

    def mark_failed(self, payment: PaymentRequest, code: str, message: str) -> ExpectedFailure:
        self.control(f"payment_intents/{payment.gateway_reference}/fail", code=code, message=message)
        return ExpectedFailure("failed", code, message)

    def latest_event(self, object_id: str, types: set[str]) -> str:
        events = requests.get(f"{self.url}/_fake/events", params={"object": object_id}, timeout=5).json()["data"]
        return [e["id"] for e in events if e["type"] in types][-1]

    def deliver(self, event_id: str, signer: str = "endpoint", timestamp: int | None = None):
        delivered = self.control(f"events/{event_id}/delivery", signer=signer, timestamp=timestamp)
        return delivered["headers"], delivered["body"].encode("utf-8")

    def payment_notification(self, payment, foreign_signer=False):
        event_id = self.latest_event(payment.gateway_reference, {
            "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"})
        return self.deliver(event_id, "foreign" if foreign_signer else "endpoint")

    def refund_notification(self, payment, refund: RefundResult, foreign_signer=False):
        event_id = self.latest_event(refund.gateway_reference, {"refund.created", "refund.updated",
                                                                 "refund.failed"})
        return self.deliver(event_id, "foreign" if foreign_signer else "endpoint")

    def ignored_notification(self, payment):
        return self.deliver(self.latest_event(payment.gateway_reference, {"payment_intent.created"}))

    def unsigned(self, delivery):
        headers, body = delivery
        return {k: v for k, v in headers.items() if k.lower() != "stripe-signature"}, body


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Stripe fake server.")
    parser.add_argument("--port", type=int, default=12111)
    credentials = new_credentials()
    run_forever(create_app(credentials), parser.parse_args().port, "Stripe", credentials)


if __name__ == "__main__":
    main()
