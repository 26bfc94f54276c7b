"""Catalogue tables: a product groups variants; each variant is a SKU (the unit stock is counted in)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.extensions import BigId, UTCDateTime, db, utcnow
from saas.money import Money


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    variants: Mapped[list["Sku"]] = relationship(back_populates="product", lazy="selectin",
                                                 order_by="Sku.id")


class Sku(db.Model):
    """A sellable variant. ``sku`` is the merchant's code, unique in the shop."""
    __tablename__ = "skus"
    __table_args__ = (CheckConstraint("price_amount >= 0", name="price_not_negative"),
                      CheckConstraint("weight_grams >= 0", name="weight_not_negative"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    weight_grams: Mapped[int] = mapped_column(default=0)
    barcode: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)
