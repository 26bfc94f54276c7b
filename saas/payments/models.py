"""Payment attempts, the raw gateway notifications they received, and refunds."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import BigId, UTCDateTime, db, utcnow
from saas.money import Money


class Payment(db.Model):
    """One try at collecting an order's total through one gateway integration.

    ``reference`` (``PAY…``) is what the gateway knows us by: its ``out_trade_no`` and idempotency key.
    ``refunded_amount`` counts pending and succeeded refunds, so two refunds racing cannot exceed
    ``captured_amount`` between them; a failed refund gives its amount back.
    """
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    order_number: Mapped[str] = mapped_column(String(32), index=True)
    integration_id: Mapped[int | None] = mapped_column(BigId)   # None: collected without a gateway (COD)
    gateway: Mapped[str] = mapped_column(String(60))             # the provider's plugin name
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    action_type: Mapped[str] = mapped_column(String(20), default="")
    action_value: Mapped[str] = mapped_column(Text, default="")
    gateway_reference: Mapped[str | None] = mapped_column(String(120))
    failure_code: Mapped[str | None] = mapped_column(String(80))
    failure_message: Mapped[str | None] = mapped_column(Text)
    captured_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    refunds: Mapped[list["Refund"]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def refundable(self) -> int:
        return self.captured_amount - self.refunded_amount


class PaymentNotification(db.Model):
    """A verified notification exactly as the gateway sent it; unique per (integration, gateway event)."""
    __tablename__ = "payment_notifications"
    __table_args__ = (UniqueConstraint("integration_id", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    integration_id: Mapped[int] = mapped_column(BigId)
    event_id: Mapped[str] = mapped_column(String(200))
    payment_reference: Mapped[str | None] = mapped_column(String(40), index=True)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text, default="")
    applied: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(db.Model):
    """Money given back. ``refund_id`` (``RF…``) is the gateway's idempotency key / ``out_refund_no``.
    A manual refund (COD, or a payment collected without a gateway) never calls a gateway."""
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    refund_id: Mapped[str] = mapped_column(String(40), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    order_number: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    manual: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120), default="")
    gateway_reference: Mapped[str | None] = mapped_column(String(120))
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds")

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
