"""Payments over REST (API.md 'Payments'), and the hook handler for payment gateways. Thin: parse, call
one service, render."""
from __future__ import annotations

from flask_smorest import Blueprint

from saas.api.auth import api_actor, require_scope
from saas.extensions import db
from saas.integrations.hooks import register_hook_handler
from saas.money import Money
from saas.orders.presentation import ORDER_DETAIL_SECTIONS
from saas.orders.service import get_order
from saas.payments import demo, jobs  # noqa: F401  (register the demo seeder and the periodic poll)
from saas.payments import service
from saas.payments.applying import payment_as_dict, refund_as_dict
from saas.payments.notifications import handle_gateway_notification
from saas.payments.schemas import PaymentList, PaymentOut, PaymentStartIn, RefundIn, RefundList

blp = Blueprint("payments_api", __name__, description="Payments, refunds and cash on delivery")

register_hook_handler("payment_gateway", handle_gateway_notification)
ORDER_DETAIL_SECTIONS["payments"] = service.payments_section
ORDER_DETAIL_SECTIONS["payment_url"] = service.payment_url_section


@blp.route("/orders/<string:number>/payments", methods=["POST"])
@require_scope("payments:write")
@blp.arguments(PaymentStartIn)
@blp.response(201, PaymentOut)
@blp.alt_response(409, description="The order is not waiting for payment (or is cash on delivery).")
@blp.alt_response(502, description="The gateway refused; the attempt is recorded as failed with its reason.")
def start(args, number):
    """Start a payment attempt: ``action`` tells the buyer what to do next (redirect, QR code, client secret)."""
    payment = service.start_payment(db.session, number, args["integration"], args["gateway"],
                                    args["return_url"], actor=api_actor())
    return payment_as_dict(payment)


@blp.route("/orders/<string:number>/payments", methods=["GET"])
@require_scope("orders:read", "payments:write")
@blp.response(200, PaymentList)
def list_payments(number):
    """Every attempt with its status, failure reason, gateway reference and refunds."""
    order = get_order(db.session, number)
    return {"items": service.payments_section(db.session, order), "next_cursor": None}


@blp.route("/orders/<string:number>/refunds", methods=["POST"])
@require_scope("payments:write")
@blp.arguments(RefundIn)
@blp.response(201, RefundList)
@blp.alt_response(409, description="More than captured minus already refunded, or nothing to refund.")
def create_refund(args, number):
    """Refund part or all of a paid order, each payment through its own gateway (COD: recorded by hand)."""
    amount = Money(args["amount"]["amount"], args["amount"]["currency"])
    refunds = service.refund(db.session, number, amount, args["reason"], api_actor())
    return {"items": [refund_as_dict(r) for r in refunds]}


@blp.route("/orders/<string:number>/cod-collected", methods=["POST"])
@require_scope("payments:write")
@blp.response(200, PaymentOut)
def cod_collected(number):
    """The courier collected a cash-on-delivery order's money: ``cod_due → cod_collected``."""
    return payment_as_dict(service.mark_cod_collected(db.session, number, api_actor()))
