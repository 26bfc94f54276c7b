"""Building a catalogue with stock through the real services, for inventory tests (and others')."""
from __future__ import annotations

from saas.catalog.service import create_product
from saas.extensions import db
from saas.inventory.service import create_warehouse, receive_stock


def add_warehouse(code: str, priority: int = 100):
    return create_warehouse(db.session, code, f"Warehouse {code}", "CN-SH", "1 Road", priority)


def add_sku(code: str, amount: int = 1000, currency: str = "CNY", stock: dict[str, int] | None = None):
    """A one-variant product ``code`` with opening ``stock`` {warehouse code: units}."""
    create_product(db.session, f"Product {code}", [{"sku": code, "name": f"Variant {code}",
                                                    "price": {"amount": amount, "currency": currency}}])
    for warehouse, quantity in (stock or {}).items():
        if quantity:
            receive_stock(db.session, code, warehouse, quantity, "opening_stock", "setup", "test")


def stock_of(sku: str, warehouse: str) -> tuple[int, int]:
    """(on_hand, reserved) read fresh."""
    from saas.inventory.service import list_stock
    [level] = list_stock(db.session, sku, warehouse)
    return level.on_hand, level.reserved
