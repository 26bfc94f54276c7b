"""Applying a gateway's answer about a payment: the one code path for notifications and polling.

Every path locks the order row first (then the attempt) and re-checks both, so a notification racing the
expiry job, a poll or a duplicate delivery leaves exactly one outcome. Nothing here commits.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from saas import settings as shop_settings
from saas.alerts.service import raise_alert
from saas.events import fire_after_commit
from saas.jobs import enqueue_after_commit
from saas.orders.models import Order
from saas.orders.service import apply_transition, get_order_for_update
from saas.payments.models import Payment
from saas.providers import PaymentRequest, PaymentResult
from tenants.context import require_tenant

log = logging.getLogger(__name__)


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def payment_as_dict(payment: Payment) -> dict:
    """A payment attempt as the API, the hooks and the pages show it."""
    return {"id": payment.id, "reference": payment.reference, "gateway": payment.gateway,
            "integration": payment.integration_id, "status": payment.status,
            "amount": payment.money.as_dict(), "action": {"type": payment.action_type, "value": payment.action_value},
            "gateway_reference": payment.gateway_reference, "failure_code": payment.failure_code,
            "failure_message": payment.failure_message,
            "captured": {"amount": payment.captured_amount, "currency": payment.currency},
            "refunded": {"amount": payment.refunded_amount, "currency": payment.currency},
            "refunds": [refund_as_dict(r) for r in payment.refunds],
            "created_at": _time(payment.created_at), "updated_at": _time(payment.updated_at)}


def refund_as_dict(refund) -> dict:
    return {"id": refund.refund_id, "payment": refund.payment.reference if refund.payment else None,
            "amount": refund.money.as_dict(), "status": refund.status, "manual": refund.manual,
            "reason": refund.reason, "gateway_reference": refund.gateway_reference,
            "failure_message": refund.failure_message, "created_at": _time(refund.created_at)}


def payment_request(payment: Payment) -> PaymentRequest:
    """What the gateway knows of an attempt, for query and refund calls."""
    return PaymentRequest(reference=payment.reference, order_number=payment.order_number, amount=payment.money,
                          description=payment.order_number, gateway_reference=payment.gateway_reference)


def lock_payment(session, payment_id: int) -> Payment:
    return session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update()
                          .execution_options(populate_existing=True))


def apply_payment_result(session, payment: Payment, result: PaymentResult, actor: str) -> str:
    """Apply what the gateway says about ``payment``; returns the outcome (for the stored notification).

    Order row first, then the attempt: the same lock order as cancelling and expiring, so no deadlock.
    """
    order = get_order_for_update(session, payment.order_number)
    payment = lock_payment(session, payment.id)
    if result.gateway_reference and not payment.gateway_reference:
        payment.gateway_reference = result.gateway_reference
    if result.status == "succeeded":
        return _apply_success(session, order, payment, result, actor)
    if result.status == "failed":
        return _apply_failure(session, order, payment, result, actor)
    if result.status == "cancelled":
        return _apply_cancelled(session, order, payment, actor)
    return "pending"


def _amount_matches(order: Order, payment: Payment, result: PaymentResult) -> bool:
    paid = result.amount or payment.money
    return (paid.amount, paid.currency) == (payment.amount, payment.currency) == (order.total_amount,
                                                                                   order.currency)


def _apply_success(session, order, payment, result, actor) -> str:
    if payment.status == "succeeded":
        return "already_succeeded"
    if not _amount_matches(order, payment, result):
        _alert_amount_mismatch(session, order, payment, result)
        return "amount_mismatch"
    payment.status, payment.captured_amount = "succeeded", payment.amount
    payment.failure_code = payment.failure_message = None
    if order.status == "pending_payment":
        _mark_order_paid(session, order, payment, actor)
        return "paid"
    # The order was cancelled (expired) or already paid by another attempt: the buyer must get it back.
    return _refund_unwanted_payment(session, order, payment, actor)


def _mark_order_paid(session, order: Order, payment: Payment, actor: str) -> None:
    reason = f"payment {payment.reference}"
    apply_transition(session, order, "payment_status", "succeed", actor, reason)
    apply_transition(session, order, "status", "pay", actor, reason)
    session.flush()
    fire_after_commit(session, "orderly_payment_succeeded", order_number=order.number,
                      payment=payment_as_dict(payment))
    if shop_settings.get(require_tenant(), "auto_fulfil"):
        _enqueue_fulfilment(session, order.number)


def _enqueue_fulfilment(session, order_number: str) -> None:
    try:
        from saas.fulfilment.service import fulfil_order  # noqa: F401  (the fulfilment domain may be absent)
    except ImportError:
        log.info("auto_fulfil is on but fulfilment is not installed; %s waits", order_number)
        return
    enqueue_after_commit(session, "default", "saas.payments.jobs.fulfil_paid_order", order_number)


def _refund_unwanted_payment(session, order, payment, actor) -> str:
    from saas.payments.refunds import refund_payment
    after_cancel = order.status == "cancelled"
    kind = "payment_after_cancel" if after_cancel else "duplicate_payment"
    raise_alert(session, kind, payment.reference,
                f"{order.number}: payment {payment.reference} arrived for a {order.status} order",
                f"Payment {payment.reference} of {payment.money} succeeded at {payment.gateway} but order "
                f"{order.number} is {order.status}/{order.payment_status}. It is being refunded automatically.",
                data={"order_number": order.number, "payment": payment.reference})
    if after_cancel and order.payment_status in ("unpaid", "pending", "failed"):
        # Recorded as paid then refunded (history shows both), never left paid on a cancelled order.
        apply_transition(session, order, "payment_status", "succeed", actor, f"payment {payment.reference}")
    record = refund_payment(session, order, payment, payment.money, kind, actor, move_order=after_cancel)
    if record.status == "failed":
        raise_alert(session, "refund_failed", record.refund_id, f"{order.number}: automatic refund failed",
                    f"Refunding {payment.reference} failed: {record.failure_message}. Refund it by hand.",
                    severity="critical", data={"order_number": order.number, "refund": record.refund_id})
    return f"{kind}_refund_{record.status}"


def _alert_amount_mismatch(session, order, payment, result) -> None:
    paid = result.amount or payment.money
    raise_alert(session, "payment_amount_mismatch", payment.reference,
                f"{order.number}: gateway reports {paid} for {payment.money}",
                f"{payment.gateway} reported payment {payment.reference} succeeded with {paid}, but the attempt "
                f"was for {payment.money} and the order totals {order.total}. The order was NOT marked paid.",
                severity="critical", data={"order_number": order.number, "payment": payment.reference,
                                           "reported": paid.as_dict(), "expected": payment.money.as_dict()})


def _apply_failure(session, order, payment, result, actor) -> str:
    if payment.status != "pending":
        return f"ignored_{payment.status}"  # out of order: a failure after success changes nothing
    payment.status = "failed"
    payment.failure_code = (result.failure_code or "failed")[:80]
    payment.failure_message = result.failure_message or ""
    if order.status == "pending_payment" and order.payment_status in ("pending", "unpaid") \
            and not _other_pending(session, payment):
        apply_transition(session, order, "payment_status", "fail", actor,
                         f"payment {payment.reference}: {payment.failure_code}")
    raise_alert(session, "payment_failed", order.number, f"{order.number}: payment failed",
                f"Payment {payment.reference} at {payment.gateway} failed: {payment.failure_code} "
                f"{payment.failure_message}. The buyer can try again or cancel.", severity="info",
                data={"order_number": order.number, "payment": payment.reference,
                      "failure_code": payment.failure_code})
    return "failed"


def _apply_cancelled(session, order, payment, actor) -> str:
    if payment.status != "pending":
        return f"ignored_{payment.status}"
    payment.status = "cancelled"
    if order.payment_status == "pending" and not _other_pending(session, payment):
        apply_transition(session, order, "payment_status", "abandon", actor, f"payment {payment.reference}")
    return "cancelled"


def _other_pending(session, payment: Payment) -> bool:
    """Another attempt of the same order is still open (the buyer switched gateway): keep ``pending``."""
    return session.scalar(select(Payment.id).where(Payment.order_number == payment.order_number,
                                                   Payment.status == "pending", Payment.id != payment.id)
                          .limit(1)) is not None
