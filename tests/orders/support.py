"""Shared set-up for order tests: a shop with warehouses, SKUs and stock made through the REST API, and
order bodies as a client would send them."""
from __future__ import annotations

import copy

from sqlalchemy import func, select

from saas.extensions import db
from saas.inventory.models import StockMovement
from saas.orders.models import Order, OrderHistory, OrderLine

ADDRESS = {"name": "Li Lei", "phone": "13800000000", "country": "CN", "province": "Shanghai",
           "city": "Shanghai", "district": "Pudong", "line1": "1 Century Ave", "postcode": "200120"}


def order_body(*lines, payment_method: str = "online", **extra) -> dict:
    """``order_body(("A", 2), ("B", 1))`` -> a valid POST /orders body."""
    body = {"customer": {"name": "Li Lei", "phone": "13800000000", "email": "li@example.com"},
            "shipping_address": copy.deepcopy(ADDRESS),
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines or [("A", 1)]],
            "payment_method": payment_method}
    body.update(extra)
    return body


def api_ok(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def stock_up(client, shop, stock: dict[str, int], warehouse: str = "WH1", prices: dict | None = None) -> None:
    """Warehouse ``warehouse`` (created if missing) with one product per SKU and ``stock`` units each."""
    client.post("/api/v1/warehouses", headers=shop.headers,
                json={"code": warehouse, "name": warehouse, "region": "CN-SH", "address": "x", "priority": 1})
    for sku, quantity in stock.items():
        price = (prices or {}).get(sku, {"amount": 1000, "currency": "CNY"})
        client.post("/api/v1/products", headers=shop.headers,
                    json={"name": f"Product {sku}", "variants": [{"sku": sku, "name": f"Variant {sku}",
                                                                  "price": price, "weight_grams": 100}]})
        if quantity:
            api_ok(client.post("/api/v1/stock/adjustments", headers=shop.headers,
                               json={"sku": sku, "warehouse": warehouse, "delta": quantity, "reason": "opening"}), 201)


def available(client, shop, sku: str) -> int:
    items = api_ok(client.get(f"/api/v1/stock?sku={sku}", headers=shop.headers))["items"]
    return sum(level["available"] for level in items)


def row_counts() -> dict[str, int]:
    """Rows of every table an order writes (call inside the tenant)."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    counts = {"orders": count(Order), "order_lines": count(OrderLine), "order_history": count(OrderHistory),
              "stock_movements": count(StockMovement)}
    db.session.rollback()
    return counts
