"""Order tables: the order with its customer and address snapshot, its lines, and the history of every
state change (one row per move of one axis)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Sequence, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import BigId, UTCDateTime, db, utcnow
from saas.money import Money

# Per-tenant (schema_translate_map routes it like the tables). Sequences are non-transactional, so numbering
# never becomes a lock that every order of a flash sale queues on. Created with the ``orders`` table because
# it is attached to ``Order.sequence``; SQLite ignores it and numbers with max+1 (see numbering.py).
ORDER_NUMBER_SEQUENCE = Sequence("orders_sequence_seq", start=1, metadata=db.metadata)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_orders_status_id", "status", "id"),
        Index("ix_orders_payment_status_id", "payment_status", "id"),
        Index("ix_orders_fulfilment_status_id", "fulfilment_status", "id"),
        Index("ix_orders_created_at", "created_at"),
        Index("ix_orders_customer_phone", "customer_phone"),
        Index("ix_orders_customer_name", "customer_name"),
        # The expiry job's scan: online orders still waiting for payment, oldest deadline first.
        Index("ix_orders_expiry", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sequence: Mapped[int] = mapped_column(BigInteger, ORDER_NUMBER_SEQUENCE, unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(40), default="api")
    external_id: Mapped[str | None] = mapped_column(String(120))

    customer_name: Mapped[str] = mapped_column(String(120))
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    customer_email: Mapped[str] = mapped_column(String(254), default="")

    ship_name: Mapped[str] = mapped_column(String(120))
    ship_phone: Mapped[str] = mapped_column(String(40))
    ship_country: Mapped[str] = mapped_column(String(60))
    ship_province: Mapped[str] = mapped_column(String(120))
    ship_city: Mapped[str] = mapped_column(String(120))
    ship_district: Mapped[str] = mapped_column(String(120), default="")
    ship_line1: Mapped[str] = mapped_column(String(300))
    ship_line2: Mapped[str] = mapped_column(String(300), default="")
    ship_postcode: Mapped[str] = mapped_column(String(20), default="")

    payment_method: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(24))
    payment_status: Mapped[str] = mapped_column(String(24))
    fulfilment_status: Mapped[str] = mapped_column(String(24))

    currency: Mapped[str] = mapped_column(String(3))
    subtotal_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)

    note: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # bumped by every state change: a cheap "did it move?"

    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", lazy="selectin",
                                                    order_by="OrderLine.position", cascade="all, delete-orphan")
    history: Mapped[list["OrderHistory"]] = relationship(back_populates="order", lazy="select",
                                                         order_by="OrderHistory.id", cascade="all, delete-orphan")

    def money(self, amount: int) -> Money:
        return Money(amount, self.currency)

    @property
    def total(self) -> Money:
        return self.money(self.total_amount)


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    sku: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))  # snapshot: renaming the product later changes nothing
    quantity: Mapped[int] = mapped_column()
    unit_price_amount: Mapped[int] = mapped_column(BigInteger)
    line_total_amount: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderHistory(db.Model):
    __tablename__ = "order_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    axis: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    event: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(back_populates="history")
