"""Gateway notifications arriving at ``POST /hooks/{tenant}/{integration_id}``.

Order of work (API.md 'Payments'): the provider verifies the signature over the raw bytes before anything
is read or stored (bad → 400, nothing changes); the notification is stored raw, unique per (integration,
gateway event id), in the same transaction that applies it — so a repeat is acknowledged and changes
nothing, and a crash mid-way leaves no half-applied event behind.
"""
from __future__ import annotations

import logging

from flask import Response
from sqlalchemy import select, update

from saas.errors import problem_response
from saas.extensions import db, utcnow
from saas.insert_ignore import insert_ignoring_conflict
from saas.integrations.models import Integration
from saas.integrations.service import provider_for
from saas.payments.applying import apply_payment_result
from saas.payments.models import Payment, PaymentNotification
from saas.payments.refunds import apply_refund_result
from saas.providers import InvalidSignature, Notification, ProviderError

log = logging.getLogger(__name__)
# Headers worth keeping with the raw body; cookies and auth never are.
_DROPPED_HEADERS = frozenset({"cookie", "authorization"})


def handle_gateway_notification(integration: Integration, headers: dict, body: bytes) -> Response:
    """Verify, store, dedupe and apply one notification; answer what the gateway expects."""
    try:
        notification = provider_for(integration).parse_notification(headers, body)
    except InvalidSignature as exc:
        return problem_response(400, "Invalid notification", str(exc) or "Signature check failed.",
                                code="invalid-signature")
    except ProviderError as exc:
        return problem_response(400, "Unreadable notification", str(exc), code="invalid-notification")
    session = db.session
    try:
        outcome = _store_and_apply(session, integration, notification, headers, body)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("payment notification %s of integration %s: %s", notification.event_id, integration.id, outcome)
    return _ack(notification)


def _ack(notification: Notification) -> Response:
    status, text, content_type = notification.ack
    return Response(text, status=status, content_type=content_type)


def _store_and_apply(session, integration, notification, headers, body) -> str:
    reference = notification.payment.reference if notification.payment else None
    row_id = insert_ignoring_conflict(session, PaymentNotification.__table__, {
        "integration_id": integration.id, "event_id": notification.event_id[:200],
        "payment_reference": reference, "applied": False, "outcome": "",
        "headers": {k: v for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS},
        "body": body.decode("utf-8", "replace"), "received_at": utcnow()}, ["integration_id", "event_id"])
    if row_id is None:
        return "duplicate"
    outcome = apply_notification(session, integration, notification)
    session.execute(update(PaymentNotification.__table__).where(PaymentNotification.id == row_id)
                    .values(applied=not outcome.startswith(("unknown", "ignored")), outcome=outcome[:40]))
    return outcome


def apply_notification(session, integration: Integration, notification: Notification) -> str:
    """Apply a verified notification's payment or refund result; returns what happened."""
    actor = f"gateway:{integration.plugin}"
    if notification.refund is not None:
        return apply_refund_result(session, notification.refund, actor)
    if notification.payment is None:
        return "ignored_event"
    payment = find_payment(session, integration, notification.payment)
    if payment is None:
        return "unknown_payment"
    return apply_payment_result(session, payment, notification.payment, actor)


def find_payment(session, integration: Integration, result) -> Payment | None:
    """The attempt a result is about, by our reference (or the gateway's), only within this integration:
    one gateway account cannot settle another's payments."""
    stmt = select(Payment).where(Payment.integration_id == integration.id)
    if result.reference:
        return session.scalar(stmt.where(Payment.reference == result.reference))
    if result.gateway_reference:
        return session.scalar(stmt.where(Payment.gateway_reference == result.gateway_reference))
    return None


def notifications_for_order(session, order_number: str) -> list[PaymentNotification]:
    references = select(Payment.reference).where(Payment.order_number == order_number)
    return list(session.scalars(select(PaymentNotification).where(
        PaymentNotification.payment_reference.in_(references)).order_by(PaymentNotification.id)))
