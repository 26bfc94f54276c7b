"""Console pages: the list with counted tabs, filters and bulk cancel; the detail page; manual entry."""
from __future__ import annotations

from orders.support import ADDRESS, api_ok, available, order_body, stock_up


def _create(client, shop, *lines, **extra):
    return api_ok(client.post("/api/v1/orders", headers=shop.headers, json=order_body(*lines, **extra)), 201)["number"]


def _entry_form(**overrides) -> dict:
    form = {"customer_name": "Zhang Wei", "customer_phone": "13600000000", "customer_email": "",
            **{f"address_{k}": v for k, v in ADDRESS.items()}, "sku": ["A", "", ""], "quantity": ["2", "", ""],
            "payment_method": "cod", "note": "call before delivery"}
    form.update(overrides)
    return form


def test_list_shows_tabs_with_counts_and_filters(client, shop, login):
    stock_up(client, shop, {"A": 10})
    first = _create(client, shop, ("A", 1))
    _create(client, shop, ("A", 1), payment_method="cod", customer={"name": "Han Meimei"})
    login(shop)
    page = client.get(f"/t/{shop.slug}/orders/").get_data(as_text=True)
    assert first in page and "(2)" in page and "(1)" in page
    filtered = client.get(f"/t/{shop.slug}/orders/?status=awaiting_fulfilment").get_data(as_text=True)
    assert "Han Meimei" in filtered and first not in filtered
    assert first in client.get(f"/t/{shop.slug}/orders/?q={first}").get_data(as_text=True)
    assert client.get(f"/t/{shop.slug}/orders/?cursor=garbage").status_code == 200


def test_bulk_cancel_releases_stock(client, shop, login):
    stock_up(client, shop, {"A": 10})
    numbers = [_create(client, shop, ("A", 2)) for _ in range(2)]
    login(shop)
    response = client.post(f"/t/{shop.slug}/orders/bulk-cancel", data={"numbers": numbers, "reason": "fraud"})
    assert response.status_code == 302
    assert available(client, shop, "A") == 10
    detail = client.get(f"/t/{shop.slug}/orders/{numbers[0]}").get_data(as_text=True)
    assert "cancelled" in detail and "fraud" in detail


def test_detail_page_and_cancel_button(client, shop, login):
    stock_up(client, shop, {"A": 10})
    number = _create(client, shop, ("A", 3))
    login(shop)
    page = client.get(f"/t/{shop.slug}/orders/{number}").get_data(as_text=True)
    assert "Variant A" in page and "Li Lei" in page and "WH1" in page and "Cancel order" in page
    client.post(f"/t/{shop.slug}/orders/{number}/cancel", data={"reason": "buyer called"})
    assert available(client, shop, "A") == 10
    assert client.get(f"/t/{shop.slug}/orders/SO00000000-000000").status_code == 404


def test_manual_entry_creates_a_cod_order(client, shop, login):
    stock_up(client, shop, {"A": 10})
    login(shop)
    response = client.post(f"/t/{shop.slug}/orders/new", data=_entry_form())
    assert response.status_code == 302
    listing = api_ok(client.get("/api/v1/orders", headers=shop.headers))["items"]
    assert [(o["channel"], o["status"], o["lines"][0]["quantity"]) for o in listing] == [
        ("console", "awaiting_fulfilment", 2)]


def test_manual_entry_shows_field_errors_and_keeps_what_was_typed(client, shop, login):
    stock_up(client, shop, {"A": 1})
    login(shop)
    form = _entry_form(address_city="", sku=["A", "NOPE", ""], quantity=["5", "x", ""])
    response = client.post(f"/t/{shop.slug}/orders/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Zhang Wei"' in page and 'value="NOPE"' in page and "call before delivery" in page
    assert page.count('aria-invalid="true"') >= 2
    short = client.post(f"/t/{shop.slug}/orders/new", data=_entry_form(quantity=["5", "", ""]))
    assert short.status_code == 422 and "Only 1 available" in short.get_data(as_text=True)
    assert api_ok(client.get("/api/v1/orders", headers=shop.headers))["items"] == []


def test_dashboard_shows_order_cards(client, shop, login):
    stock_up(client, shop, {"A": 10})
    _create(client, shop, ("A", 1), payment_method="cod")
    login(shop)
    page = client.get(f"/t/{shop.slug}/").get_data(as_text=True)
    assert "Orders today" in page and "Awaiting fulfilment" in page
