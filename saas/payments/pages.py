"""The buyer's payment page ``/pay/{token}``: public, no login; the token names the shop and the order.

The buyer sees the order, picks one of the shop's gateways, follows its action (redirect, QR code, client
secret), and the page polls ``/pay/{token}/status`` to show the outcome live: paid, or failed with the
gateway's reason and the choice to try again or cancel the order (which releases its stock).
"""
from __future__ import annotations

import segno
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import Markup

from saas.errors import DomainError
from saas.extensions import db
from saas.orders.service import cancel_order, get_order
from saas.payments import service
from saas.public_links import resolve_link
from tenants.context import tenant_context

bp = Blueprint("pay", __name__)
BUYER = "buyer"


@bp.app_template_filter("qr_svg")
def qr_svg(value: str) -> Markup:
    """The gateway's code URL (Alipay ``qr_code``, WeChat Pay ``code_url``) as an inline SVG QR code the
    buyer can scan from another device; drawn on the server, so the page needs no script or CDN."""
    svg = segno.make(value, error="m").svg_inline(scale=5, border=2, dark="#111", omitsize=False)
    return Markup(f'<div class="qr" role="img" aria-label="QR code">{svg}</div>')


def _open(token: str):
    tenant, number = resolve_link(db.session, "pay", token)
    db.session.remove()
    return tenant, number


# What a buyer reads for the failure codes gateways report most (Stripe, Alipay, WeChat Pay, sandbox), in
# the page's language; any other code shows the gateway's own message.
BUYER_FAILURE_TEXT = {
    "card_declined": _l("Your card was declined. Try another card or another payment method."),
    "insufficient_funds": _l("There is not enough money on the card or account."),
    "cancelled": _l("The payment was cancelled."),
    "expired_card": _l("The card has expired."),
    "TRADE_CLOSED": _l("The payment was closed before it was completed."),
    "CLOSED": _l("The payment was closed before it was completed."),
    "REVOKED": _l("The payment was cancelled."),
    "PAYERROR": _l("The payment did not go through."),
}


def buyer_failure_reason(code: str | None, message: str | None) -> str:
    known = BUYER_FAILURE_TEXT.get(code or "")
    return str(known) if known is not None else (message or code or _("The payment did not go through."))


def _latest(payments):
    return payments[-1] if payments else None


def status_of(order, payments) -> dict:
    """What the page shows and polls: the order's state and the latest attempt's outcome."""
    latest = _latest(payments)
    return {"status": order.status, "payment_status": order.payment_status,
            "paid": order.payment_status in ("paid", "partially_refunded", "refunded")
            and order.status != "cancelled",
            "payable": order.status == "pending_payment",
            "attempt": None if latest is None else {
                "reference": latest.reference, "status": latest.status, "failure_code": latest.failure_code,
                "failure_message": latest.failure_message, "action_type": latest.action_type,
                "failure_reason": buyer_failure_reason(latest.failure_code, latest.failure_message)
                if latest.failure_code or latest.failure_message else None}}


@bp.route("/pay/<token>", methods=["GET"])
def page(token: str):
    tenant, number = _open(token)
    with tenant_context(tenant):
        order = get_order(db.session, number)
        payments = service.payments_for_order(db.session, number)
        latest = _latest(payments)
        return render_template("pay/pay.html", shop=tenant, order=order, token=token,
                               gateways=service.payment_integrations(db.session), latest=latest,
                               state=status_of(order, payments))


@bp.route("/pay/<token>/status", methods=["GET"])
def status(token: str):
    tenant, number = _open(token)
    with tenant_context(tenant):
        order = get_order(db.session, number)
        response = jsonify(status_of(order, service.payments_for_order(db.session, number)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/pay/<token>/start", methods=["POST"])
def start(token: str):
    tenant, number = _open(token)
    return_url = url_for("pay.page", token=token, _external=True)
    try:
        integration_id = int(request.form.get("integration", ""))
    except ValueError:
        flash(_("Choose how to pay."), "error")
        return redirect(url_for("pay.page", token=token))
    with tenant_context(tenant):
        try:
            payment = service.start_payment(db.session, number, integration_id, return_url=return_url, actor=BUYER)
        except DomainError as exc:
            flash(_("The payment could not be started: %(reason)s", reason=exc.detail), "error")
            return redirect(url_for("pay.page", token=token))
        action_type, action_value = payment.action_type, payment.action_value
    if action_type == "redirect":
        return redirect(action_value)
    return redirect(url_for("pay.page", token=token))  # QR code / client secret are shown on the page


@bp.route("/pay/<token>/cancel", methods=["POST"])
def cancel(token: str):
    tenant, number = _open(token)
    with tenant_context(tenant):
        try:
            order = get_order(db.session, number)
            if order.status != "pending_payment":
                raise DomainError(_("This order can no longer be cancelled here."))
            cancel_order(db.session, number, "cancelled by the buyer on the payment page", BUYER)
            flash(_("Your order was cancelled."), "info")
        except DomainError as exc:
            flash(exc.detail, "error")
    return redirect(url_for("pay.page", token=token))
