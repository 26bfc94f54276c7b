"""Console: the payments panel of an order's detail page (attempts, raw notifications, refunds, a refund
form, COD collection). The orders page includes ``payments/_order_payments.html``; the panel finds its
data through the ``payments_panel`` template global, so orders never import payments."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.console import tenant_blueprint
from saas.errors import DomainError
from saas.extensions import db
from saas.money import Money
from saas.orders.service import get_order
from saas.payments import service
from saas.payments.notifications import notifications_for_order
from saas.payments.refunds import REFUNDABLE_STATUSES

bp = tenant_blueprint("payments_console", __name__)


@bp.app_template_global()
def payments_panel(order_number: str) -> dict:
    """What the order page's payments panel shows: attempts with refunds, raw notifications, the pay link."""
    order = get_order(db.session, order_number)
    return {"payments": service.payments_for_order(db.session, order_number),
            "notifications": notifications_for_order(db.session, order_number),
            "refundable": order.payment_status in REFUNDABLE_STATUSES,
            "cod_due": order.payment_status == "cod_due", "currency": order.currency,
            "pay_url": service.payment_link_for(db.session, order_number)
            if order.status == "pending_payment" else None}


def _back(number: str):
    return redirect(url_for("orders_console.order_detail", number=number) + "#payments")


def _actor() -> str:
    return f"user:{current_user.email}"


@bp.route("/orders/<number>/refunds", methods=["POST"])
def refund(number: str):
    try:
        order = get_order(db.session, number)
        amount = Money.from_decimal(request.form.get("amount", "").strip(), order.currency)
        refunds = service.refund(db.session, number, amount, request.form.get("reason", "")[:500], _actor())
        flash(_("Refund of %(amount)s: %(status)s", amount=str(amount),
                status=", ".join(r.status for r in refunds)), "success")
    except (ValueError, ArithmeticError):
        flash(_("Give the amount as a number, e.g. 12.50."), "error")
    except DomainError as exc:
        flash(exc.detail, "error")
    return _back(number)


@bp.route("/orders/<number>/cod-collected", methods=["POST"])
def cod_collected(number: str):
    try:
        service.mark_cod_collected(db.session, number, _actor())
        flash(_("Cash collected."), "success")
    except DomainError as exc:
        flash(exc.detail, "error")
    return _back(number)
