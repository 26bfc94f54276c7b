"""Inventory console pages: purchase orders created and received in the browser, the stock ledger per SKU,
safety stock from the stock overview. Everything goes through the real services in a real tenant."""
from __future__ import annotations

from sqlalchemy import func, select

from inventory.ledger import assert_ledger_matches_levels
from inventory.stock_setup import add_sku, add_warehouse, stock_of
from saas.alerts.models import Alert
from saas.extensions import db
from saas.inventory.models import PurchaseOrder, StockMovement


def _seed(in_tenant, shop, **stock):
    with in_tenant(shop):
        add_warehouse("WH1")
        add_warehouse("WH2", priority=200)
        add_sku("TEA-1", stock={"WH1": stock.get("tea", 0)})
        add_sku("MUG-1", stock={"WH1": stock.get("mug", 0)})
        db.session.commit()


def _po_form(**overrides) -> dict:
    data = {"supplier": "杭州茶厂 Hangzhou Tea", "warehouse": "WH1", "expected_date": "2030-07-01", "note": "",
            "lines-0-sku": "TEA-1", "lines-0-quantity": "10", "lines-1-sku": "MUG-1", "lines-1-quantity": "4",
            "lines-2-sku": "", "lines-2-quantity": ""}
    data.update(overrides)
    return data


def _create_po(client, shop) -> int:
    response = client.post(f"/t/{shop.slug}/inventory/purchase-orders/new", data=_po_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _po(in_tenant, shop, po_id: int) -> tuple[str, dict[str, int]]:
    with in_tenant(shop):
        po = db.session.get(PurchaseOrder, po_id)
        return po.status, {line.sku.sku: line.received_quantity for line in po.lines}


def _movement_count(in_tenant, shop) -> int:
    with in_tenant(shop):
        return db.session.scalar(select(func.count(StockMovement.id)))


def test_purchase_order_created_in_the_console_is_received_in_parts(client, shop, login, in_tenant):
    _seed(in_tenant, shop)
    login(shop)
    new_page = client.get(f"/t/{shop.slug}/inventory/purchase-orders/new").get_data(as_text=True)
    assert '<option value="TEA-1">' in new_page  # the SKU datalist
    po_id = _create_po(client, shop)
    base = f"/t/{shop.slug}/inventory/purchase-orders/{po_id}"
    with in_tenant(shop):
        po = db.session.get(PurchaseOrder, po_id)
        assert (po.supplier, po.warehouse.code, str(po.expected_date)) == ("杭州茶厂 Hangzhou Tea", "WH1", "2030-07-01")
        lines = {line.sku.sku: line for line in po.lines}
        assert {sku: line.quantity for sku, line in lines.items()} == {"TEA-1": 10, "MUG-1": 4}
        tea_line, mug_line = lines["TEA-1"].id, lines["MUG-1"].id

    partial = client.post(base, data={f"receive-{tea_line}": "6", f"receive-{mug_line}": ""})
    assert partial.status_code == 302
    assert _po(in_tenant, shop, po_id) == ("partially_received", {"TEA-1": 6, "MUG-1": 0})
    assert "PO-%d" % po_id in client.get(f"/t/{shop.slug}/inventory/purchase-orders").get_data(as_text=True)

    rest = client.post(base, data={f"receive-{tea_line}": "4", f"receive-{mug_line}": "4"})
    assert rest.status_code == 302
    assert _po(in_tenant, shop, po_id) == ("received", {"TEA-1": 10, "MUG-1": 4})
    with in_tenant(shop):
        assert stock_of("TEA-1", "WH1") == (10, 0) and stock_of("MUG-1", "WH1") == (4, 0)
        receipts = db.session.scalars(select(StockMovement).where(StockMovement.reason == "purchase_receipt")).all()
        assert sorted(m.delta_on_hand for m in receipts) == [4, 4, 6]
        assert {m.reference for m in receipts} == {f"PO-{po_id}"}
        assert_ledger_matches_levels(db.session)


def test_over_receipt_is_refused_and_books_nothing(client, shop, login, in_tenant):
    _seed(in_tenant, shop)
    login(shop)
    po_id = _create_po(client, shop)
    with in_tenant(shop):
        tea_line = next(line.id for line in db.session.get(PurchaseOrder, po_id).lines if line.sku.sku == "TEA-1")
    before = _movement_count(in_tenant, shop)
    for typed in ("11", "abc", "0"):
        response = client.post(f"/t/{shop.slug}/inventory/purchase-orders/{po_id}",
                               data={f"receive-{tea_line}": typed})
        page = response.get_data(as_text=True)
        assert response.status_code in (409, 422), typed
        assert "flash-error" in page and "Nothing was received" in page, typed
        assert f'value="{typed}"' in page, typed  # what the user typed is kept
    assert "Only 10 outstanding." in client.post(f"/t/{shop.slug}/inventory/purchase-orders/{po_id}",
                                                data={f"receive-{tea_line}": "11"}).get_data(as_text=True)
    assert _po(in_tenant, shop, po_id) == ("open", {"TEA-1": 0, "MUG-1": 0})
    assert _movement_count(in_tenant, shop) == before


def test_cancelled_purchase_order_cannot_be_received(client, shop, login, in_tenant):
    _seed(in_tenant, shop)
    login(shop)
    po_id = _create_po(client, shop)
    assert client.post(f"/t/{shop.slug}/inventory/purchase-orders/{po_id}/cancel").status_code == 302
    assert _po(in_tenant, shop, po_id)[0] == "cancelled"
    page = client.get(f"/t/{shop.slug}/inventory/purchase-orders/{po_id}").get_data(as_text=True)
    assert "Book receipt" not in page and "Cancelled" in page


def test_bad_purchase_order_form_shows_field_errors_and_writes_nothing(client, shop, login, in_tenant):
    _seed(in_tenant, shop)
    login(shop)
    url = f"/t/{shop.slug}/inventory/purchase-orders/new"
    cases = {
        "missing supplier": (_po_form(supplier=""), "This field is required."),
        "bad quantity": (_po_form(**{"lines-1-quantity": "lots"}), "Not a valid integer value."),
        "bad date": (_po_form(expected_date="next week"), "Not a valid date value."),
        "unknown SKU": (_po_form(**{"lines-1-sku": "NOPE-9"}), "No SKU NOPE-9."),
        "zero quantity": (_po_form(**{"lines-0-quantity": "0"}), "A whole number from 1"),
        "SKU without quantity": (_po_form(**{"lines-1-quantity": ""}), "How many?"),
        "no lines": (_po_form(**{"lines-0-sku": "", "lines-0-quantity": "", "lines-1-sku": "",
                                 "lines-1-quantity": ""}), "Give at least one line."),
    }
    for name, (data, message) in cases.items():
        response = client.post(url, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert message in page, name
        assert "Hangzhou Tea" in page or name == "missing supplier", name  # what was typed stays
    with in_tenant(shop):
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 0


def test_one_more_line_keeps_what_was_typed_and_saves_nothing(client, shop, login, in_tenant):
    _seed(in_tenant, shop)
    login(shop)
    response = client.post(f"/t/{shop.slug}/inventory/purchase-orders/new", data=_po_form(add_line="1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="lines-3-sku"' in page and 'value="MUG-1"' in page
    with in_tenant(shop):
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 0


def test_ledger_page_lists_the_movements_of_one_sku_only(client, shop, login, in_tenant):
    _seed(in_tenant, shop, tea=7, mug=3)
    login(shop)
    base = f"/t/{shop.slug}/inventory"
    assert client.post(f"{base}/", data={"sku": "TEA-1", "warehouse": "WH2", "delta": "2",
                                         "reason": "found in stocktake"}).status_code == 302
    overview = client.get(f"{base}/").get_data(as_text=True)
    assert f"{base}/ledger?sku=TEA-1" in overview
    page = client.get(f"{base}/ledger?sku=TEA-1").get_data(as_text=True)
    assert "found in stocktake" in page and "+7" in page and "Opening stock" in page
    assert "+3" not in page and "MUG-1</code>" not in page
    in_wh2 = client.get(f"{base}/ledger?sku=TEA-1&warehouse=WH2").get_data(as_text=True)
    assert "found in stocktake" in in_wh2 and "+7" not in in_wh2
    assert "+3" in client.get(f"{base}/ledger?sku=MUG-1").get_data(as_text=True)


def _low_stock_alerts(in_tenant, shop, status: str) -> list[Alert]:
    with in_tenant(shop):
        return db.session.scalars(select(Alert).where(Alert.type == "low_stock", Alert.status == status)).all()


def test_safety_stock_from_the_overview_raises_and_resolves_the_low_stock_alert(client, shop, login, in_tenant):
    _seed(in_tenant, shop, tea=5)
    login(shop)
    url = f"/t/{shop.slug}/inventory/safety-stock?warehouse=WH1"
    at_availability = client.post(url, data={"sku": "TEA-1", "warehouse": "WH1", "safety_stock": "5"})
    assert at_availability.status_code == 302 and at_availability.headers["Location"].endswith("/inventory/?warehouse=WH1")
    assert client.post(url, data={"sku": "TEA-1", "warehouse": "WH1", "safety_stock": "8"}).status_code == 302
    [alert] = _low_stock_alerts(in_tenant, shop, "open")
    assert alert.data["sku"] == "TEA-1" and alert.data["warehouse"] == "WH1"
    assert "⚠" in client.get(f"/t/{shop.slug}/inventory/").get_data(as_text=True)

    assert client.post(url, data={"sku": "TEA-1", "warehouse": "WH1", "safety_stock": "2"}).status_code == 302
    assert _low_stock_alerts(in_tenant, shop, "open") == []
    assert len(_low_stock_alerts(in_tenant, shop, "resolved")) == 1


def test_bad_safety_stock_is_refused_with_a_message(client, shop, login, in_tenant):
    _seed(in_tenant, shop, tea=5)
    login(shop)
    url = f"/t/{shop.slug}/inventory/safety-stock"
    for typed in ("-1", "many"):
        response = client.post(url, data={"sku": "TEA-1", "warehouse": "WH1", "safety_stock": typed},
                               follow_redirects=True)
        assert "flash-error" in response.get_data(as_text=True), typed
    with in_tenant(shop):
        assert stock_of("TEA-1", "WH1") == (5, 0)
    assert _low_stock_alerts(in_tenant, shop, "open") == []


def test_inventory_pages_render(client, shop, login, in_tenant):
    _seed(in_tenant, shop, tea=1)
    login(shop)
    po_id = _create_po(client, shop)
    base = f"/t/{shop.slug}/inventory"
    for path in ("/", "/ledger", "/ledger?sku=TEA-1&warehouse=WH1", "/ledger?cursor=garbage", "/purchase-orders",
                 "/purchase-orders/new", f"/purchase-orders/{po_id}", "/replenishment", "/warehouses"):
        assert client.get(base + path).status_code == 200, path
    assert client.get(f"{base}/purchase-orders/999999").status_code == 404


def test_receive_all_outstanding_books_only_what_is_left(client, shop, login, in_tenant):
    _seed(in_tenant, shop)
    login(shop)
    po_id = _create_po(client, shop)
    with in_tenant(shop):
        tea_line = next(line.id for line in db.session.get(PurchaseOrder, po_id).lines if line.sku.sku == "TEA-1")
    client.post(f"/t/{shop.slug}/inventory/purchase-orders/{po_id}", data={f"receive-{tea_line}": "3"})
    response = client.post(f"/t/{shop.slug}/inventory/purchase-orders/{po_id}/receive-all")
    assert response.status_code == 302
    assert _po(in_tenant, shop, po_id) == ("received", {"TEA-1": 10, "MUG-1": 4})
    with in_tenant(shop):
        assert stock_of("TEA-1", "WH1") == (10, 0) and stock_of("MUG-1", "WH1") == (4, 0)
        assert_ledger_matches_levels(db.session)
    again = client.post(f"/t/{shop.slug}/inventory/purchase-orders/{po_id}/receive-all")
    assert again.status_code == 302 and _po(in_tenant, shop, po_id)[1] == {"TEA-1": 10, "MUG-1": 4}
