"""No input makes a 500 or writes anything: every bad order is a 4xx problem+json naming the field."""
from __future__ import annotations

import pytest

from orders.support import order_body, row_counts, stock_up


def _with(path: str, value):
    """A valid body with the dotted ``path`` set to ``value`` (``...`` deletes it)."""
    body = order_body(("A", 1), ("B", 1))
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is ...:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return body


CASES = [
    ("unknown sku", _with("lines.1.sku", "NOPE"), 422, "lines.1.sku"),
    ("zero quantity", _with("lines.0.quantity", 0), 422, "lines.0.quantity"),
    ("negative quantity", _with("lines.0.quantity", -3), 422, "lines.0.quantity"),
    ("huge quantity", _with("lines.0.quantity", 10**12), 422, "lines.0.quantity"),
    ("quantity as text", _with("lines.0.quantity", "2"), 422, "lines.0.quantity"),
    ("quantity as float", _with("lines.0.quantity", 1.5), 422, "lines.0.quantity"),
    ("quantity as bool", _with("lines.0.quantity", True), 422, "lines.0.quantity"),
    ("unsupported currency", _with("lines.0.unit_price", {"amount": 100, "currency": "XXX"}), 422,
     "lines.0.unit_price.currency"),
    ("mixed currencies", _with("lines.1.unit_price", {"amount": 100, "currency": "USD"}), 422,
     "lines.1.unit_price"),
    ("negative price", _with("lines.0.unit_price", {"amount": -1, "currency": "CNY"}), 422,
     "lines.0.unit_price.amount"),
    ("missing city", _with("shipping_address.city", ...), 422, "shipping_address.city"),
    ("blank line1", _with("shipping_address.line1", "   "), 422, "shipping_address.line1"),
    ("missing address", _with("shipping_address", ...), 422, "shipping_address"),
    ("missing customer name", _with("customer.name", ...), 422, "customer.name"),
    ("bad payment method", _with("payment_method", "cheque"), 422, "payment_method"),
    ("no lines", _with("lines", []), 422, "lines"),
    ("lines not a list", _with("lines", "A"), 422, "lines"),
    ("line not an object", _with("lines.0", "A"), 422, "lines.0._schema"),
    ("customer as list", _with("customer", ["x"]), 422, "customer._schema"),
    ("ten thousand lines", _with("lines", [{"sku": "A", "quantity": 1}] * 10_000), 422, "lines"),
    ("external id as number", _with("external_id", 5), 422, "external_id"),
    ("body is a list", [1, 2], 422, "_schema"),
]


@pytest.fixture
def stocked(client, shop):
    stock_up(client, shop, {"A": 5, "B": 5})
    return shop


@pytest.mark.parametrize("name,body,status,field", CASES, ids=[c[0] for c in CASES])
def test_bad_order_is_refused_and_writes_nothing(client, stocked, in_tenant, name, body, status, field):
    with in_tenant(stocked):
        before = row_counts()
    response = client.post("/api/v1/orders", headers=stocked.headers, json=body)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()
    with in_tenant(stocked):
        assert row_counts() == before


@pytest.mark.parametrize("data", ["{not json", "", "null", "\xff\xfe"])
def test_body_that_is_not_json_is_400(client, stocked, data):
    response = client.post("/api/v1/orders", headers={**stocked.headers, "Content-Type": "application/json"},
                           data=data)
    assert 400 <= response.status_code < 500 and response.mimetype == "application/problem+json"


def test_cancel_with_wrong_types_is_422(client, stocked):
    number = client.post("/api/v1/orders", headers=stocked.headers, json=order_body()).get_json()["number"]
    response = client.post(f"/api/v1/orders/{number}/cancel", headers=stocked.headers, json={"reason": 5})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]
