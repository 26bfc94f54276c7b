"""Refunds: always through the gateway of the payment being refunded, never above what it captured.

A payment collected without a gateway (cash on delivery) is refunded manually: recorded, no gateway call
(protocols.md §10). ``Payment.refunded_amount`` reserves pending refunds too, so two refunds racing cannot
together exceed the capture; a failed refund gives its amount back.
"""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from saas.alerts.service import raise_alert
from saas.errors import Conflict, ValidationFailed
from saas.integrations.models import Integration
from saas.integrations.service import provider_for
from saas.money import Money
from saas.orders.models import Order
from saas.orders.service import apply_transition, get_order_for_update
from saas.payments.models import Payment, Refund
from saas.providers import ProviderError, RefundRequest, RefundResult

REFUNDABLE_STATUSES = frozenset({"paid", "partially_refunded", "cod_collected"})
# Refunds of a payment the order never needed (a second success): they do not move the order's status.
UNWANTED_PAYMENT_REASONS = frozenset({"duplicate_payment"})


def refund(session, order_number: str, amount: Money, reason: str, actor: str) -> list[Refund]:
    """Refund ``amount`` of a paid order, oldest payment first, each through its own gateway; commits.

    More than captured minus already refunded → Conflict (409). A gateway error is recorded on the refund
    and raised as GatewayError (502) after commit; the order moves to ``partially_refunded``/``refunded``
    as refunds succeed (now, or when the gateway's notification arrives).
    """
    try:
        order = get_order_for_update(session, order_number)
        refunds = _refund_order(session, order, amount, reason, actor)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _raise_if_failed(refunds)
    return refunds


def refund_order_in_full(session, order: Order, reason: str, actor: str) -> list[Refund]:
    """Refund everything still refundable (cancelling a paid order). Does not commit: the caller's
    transaction (the cancel) and the refunds succeed or fail together — a gateway error raises."""
    remaining = sum(p.refundable for p in _captured_payments(session, order.number))
    if remaining <= 0:
        return []
    refunds = _refund_order(session, order, Money(remaining, order.currency), reason, actor)
    _raise_if_failed(refunds)
    return refunds


def _raise_if_failed(refunds: list[Refund]) -> None:
    failed = [r for r in refunds if r.status == "failed"]
    if failed:
        from saas.payments.service import GatewayError
        raise GatewayError(f"Refund {failed[0].refund_id} failed: {failed[0].failure_message}",
                           refund=failed[0].refund_id)


def _refund_order(session, order: Order, amount: Money, reason: str, actor: str) -> list[Refund]:
    if order.payment_status not in REFUNDABLE_STATUSES:
        raise Conflict(f"Order {order.number} has nothing to refund ({order.payment_status}).")
    if amount.currency != order.currency or amount.amount <= 0:
        raise ValidationFailed("Invalid refund amount.",
                               errors={"amount": [f"Give a positive amount in {order.currency}."]})
    payments = _captured_payments(session, order.number)
    refundable = sum(p.refundable for p in payments)
    if amount.amount > refundable:
        raise Conflict(f"Cannot refund {amount}: only {Money(refundable, order.currency)} is refundable.",
                       refundable={"amount": refundable, "currency": order.currency})
    refunds, left = [], amount.amount
    for payment in payments:
        take = min(left, payment.refundable)
        if take > 0:
            refunds.append(refund_payment(session, order, payment, Money(take, order.currency), reason, actor,
                                          move_order=False))
            left -= take
    if any(r.status == "succeeded" for r in refunds):
        sync_order_refund_status(session, order, actor, reason)
    return refunds


def _captured_payments(session, order_number: str) -> list[Payment]:
    """Succeeded payments of the order, oldest first, row-locked (after the order: same lock order)."""
    return list(session.scalars(select(Payment).where(Payment.order_number == order_number,
                                                      Payment.status == "succeeded")
                                .order_by(Payment.id).with_for_update()
                                .execution_options(populate_existing=True)))


def refund_payment(session, order: Order, payment: Payment, amount: Money, reason: str, actor: str,
                   move_order: bool = True) -> Refund:
    """Refund part of one payment through its own gateway (or manually without one). Does not commit.

    A gateway error is recorded on the refund (``failed``, amount given back), not raised."""
    if amount.amount > payment.refundable:
        raise Conflict(f"Payment {payment.reference} has only {payment.refundable} left to refund.")
    record = Refund(refund_id=f"RF{secrets.token_hex(10).upper()}", payment=payment,
                    order_number=payment.order_number, amount=amount.amount, currency=amount.currency,
                    status="pending", manual=payment.integration_id is None, reason=reason or "", actor=actor)
    session.add(record)
    payment.refunded_amount += amount.amount
    session.flush()
    if record.manual:
        record.status = "succeeded"
    else:
        _refund_through_gateway(session, payment, record)
    if move_order and record.status == "succeeded":
        sync_order_refund_status(session, order, actor, reason)
    return record


def _refund_through_gateway(session, payment: Payment, record: Refund) -> None:
    from saas.payments.applying import payment_request
    integration = session.get(Integration, payment.integration_id)
    try:
        result = provider_for(integration).refund(RefundRequest(
            refund_id=record.refund_id, payment=payment_request(payment), amount=record.money, reason=record.reason))
    except ProviderError as exc:
        result = RefundResult(record.refund_id, "failed", failure_message=f"{exc.code or 'error'}: {exc}")
    _set_refund_status(payment, record, result)
    session.flush()


def _set_refund_status(payment: Payment, record: Refund, result: RefundResult) -> None:
    record.gateway_reference = result.gateway_reference or record.gateway_reference
    if result.status == "failed":
        record.status, record.failure_message = "failed", result.failure_message or "refused"
        payment.refunded_amount -= record.amount
    elif result.status == "succeeded":
        record.status = "succeeded"


def sync_order_refund_status(session, order: Order, actor: str, reason: str = "") -> None:
    """After a refund succeeded: ``refunded`` when nothing captured remains, else ``partially_refunded``
    (a history row per partial refund)."""
    if order.payment_status not in REFUNDABLE_STATUSES:
        return
    captured = session.scalar(select(func.coalesce(func.sum(Payment.captured_amount), 0))
                              .where(Payment.order_number == order.number, Payment.status == "succeeded"))
    refunded = session.scalar(select(func.coalesce(func.sum(Refund.amount), 0))
                              .where(Refund.order_number == order.number, Refund.status == "succeeded"))
    if refunded <= 0:
        return
    event = "refund_all" if refunded >= captured else "refund_part"
    apply_transition(session, order, "payment_status", event, actor, reason or "refund")


def apply_refund_result(session, result: RefundResult, actor: str) -> str:
    """Apply a gateway's (asynchronous) refund outcome once: only a pending refund changes."""
    record = session.scalar(select(Refund).where(Refund.refund_id == result.refund_id)) if result.refund_id \
        else session.scalar(select(Refund).where(Refund.gateway_reference == result.gateway_reference))
    if record is None:
        return "unknown_refund"
    order = get_order_for_update(session, record.order_number)
    record = session.scalar(select(Refund).where(Refund.id == record.id).with_for_update()
                            .execution_options(populate_existing=True))
    if record.status != "pending" or result.status == "pending":
        return f"refund_{record.status}"
    payment = session.scalar(select(Payment).where(Payment.id == record.payment_id).with_for_update()
                             .execution_options(populate_existing=True))
    _set_refund_status(payment, record, result)
    session.flush()
    if record.status == "succeeded" and record.reason not in UNWANTED_PAYMENT_REASONS:
        sync_order_refund_status(session, order, actor, record.reason)
    elif record.status == "failed":
        raise_alert(session, "refund_failed", record.refund_id, f"{order.number}: refund failed",
                    f"Refund {record.refund_id} of {record.money} failed: {record.failure_message}",
                    data={"order_number": order.number, "refund": record.refund_id})
    return f"refund_{record.status}"
