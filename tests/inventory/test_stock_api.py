"""Warehouses, stock, adjustments, safety stock, ledger and purchase orders over the API."""
from __future__ import annotations

from catalog.test_products_api import PRODUCT, key_with, problem
from inventory.ledger import assert_ledger_matches_levels
from saas.extensions import db


def setup_shop(client, shop):
    for code, priority in (("WH1", 1), ("WH2", 2)):
        response = client.post("/api/v1/warehouses", headers=shop.headers,
                               json={"code": code, "name": f"仓库 {code}", "region": "CN-ZJ", "address": "Hangzhou",
                                     "priority": priority})
        assert response.status_code == 201, response.json
    assert client.post("/api/v1/products", headers=shop.headers, json=PRODUCT).status_code == 201


def adjust(client, shop, delta, sku="TEA-100", warehouse="WH1", reason="stocktake"):
    return client.post("/api/v1/stock/adjustments", headers=shop.headers,
                       json={"sku": sku, "warehouse": warehouse, "delta": delta, "reason": reason})


def test_warehouses_round_trip_and_duplicate_code(client, shop):
    setup_shop(client, shop)
    codes = [w["code"] for w in client.get("/api/v1/warehouses", headers=shop.headers).json["items"]]
    assert codes == ["WH1", "WH2"]
    problem(client.post("/api/v1/warehouses", headers=shop.headers, json={"code": "WH1", "name": "again"}), 409)
    body = problem(client.post("/api/v1/warehouses", headers=shop.headers, json={"code": "", "priority": "x"}), 422)
    assert {"code", "name", "priority"} <= set(body["errors"])


def test_adjustments_change_stock_and_write_the_ledger(client, shop, in_tenant):
    setup_shop(client, shop)
    created = adjust(client, shop, 10)
    assert created.status_code == 201, created.json
    assert created.json == {"sku": "TEA-100", "warehouse": "WH1", "on_hand": 10, "reserved": 0, "available": 10,
                            "safety_stock": 0}
    assert adjust(client, shop, -3, reason="damage").json["on_hand"] == 7
    body = problem(adjust(client, shop, -8), 409)
    assert "delta" in body["errors"]
    body = problem(adjust(client, shop, 0, sku="NOPE", warehouse="NOWH", reason=""), 422)
    assert {"delta", "reason"} <= set(body["errors"])
    body = problem(adjust(client, shop, 1, sku="NOPE"), 422)
    assert "sku" in body["errors"]
    levels = client.get("/api/v1/stock?sku=TEA-100", headers=shop.headers).json["items"]
    assert [(l["warehouse"], l["on_hand"]) for l in levels] == [("WH1", 7)]
    moves = client.get("/api/v1/stock/movements?sku=TEA-100&warehouse=WH1&limit=1", headers=shop.headers).json
    assert moves["items"][0]["delta_on_hand"] == -3 and moves["items"][0]["reason"] == "damage"
    older = client.get(f"/api/v1/stock/movements?sku=TEA-100&cursor={moves['next_cursor']}", headers=shop.headers).json
    assert [m["delta_on_hand"] for m in older["items"]] == [10] and older["next_cursor"] is None
    with in_tenant(shop):
        assert_ledger_matches_levels(db.session)


def test_cannot_adjust_below_reserved(client, shop, in_tenant):
    from saas.inventory.service import reserve_stock
    setup_shop(client, shop)
    adjust(client, shop, 5)
    with in_tenant(shop):
        reserve_stock(db.session, [("TEA-100", 4)], "SO-1", "test")
        db.session.commit()
    problem(adjust(client, shop, -2), 409)
    assert adjust(client, shop, -1).json == {"sku": "TEA-100", "warehouse": "WH1", "on_hand": 4, "reserved": 4,
                                             "available": 0, "safety_stock": 0}


def test_safety_stock_and_404_for_unknown_path_values(client, shop):
    setup_shop(client, shop)
    response = client.put("/api/v1/stock/TEA-100/WH2/safety-stock", headers=shop.headers, json={"safety_stock": 3})
    assert response.status_code == 200 and response.json["safety_stock"] == 3
    problem(client.put("/api/v1/stock/NOPE/WH2/safety-stock", headers=shop.headers, json={"safety_stock": 3}), 404)
    problem(client.put("/api/v1/stock/TEA-100/WH9/safety-stock", headers=shop.headers, json={"safety_stock": 3}), 404)
    problem(client.put("/api/v1/stock/TEA-100/WH2/safety-stock", headers=shop.headers, json={"safety_stock": -1}), 422)


def test_another_shops_warehouse_is_invisible(client, shop, make_shop):
    setup_shop(client, shop)
    other = make_shop()
    assert client.get("/api/v1/warehouses", headers=other.headers).json["items"] == []
    problem(client.put("/api/v1/stock/TEA-100/WH1/safety-stock", headers=other.headers, json={"safety_stock": 1}), 404)


def test_stock_scopes(client, shop):
    reader = key_with(client, shop, "inventory:read")
    assert client.get("/api/v1/stock", headers=reader).status_code == 200
    problem(client.post("/api/v1/stock/adjustments", headers=reader, json={}), 403)
    problem(client.post("/api/v1/warehouses", headers=reader, json={}), 403)


def test_purchase_order_partial_receipts_and_over_receipt(client, shop, in_tenant):
    setup_shop(client, shop)
    created = client.post("/api/v1/purchase-orders", headers=shop.headers, json={
        "supplier": "杭州茶厂", "expected_date": "2030-01-31", "warehouse": "WH2",
        "lines": [{"sku": "TEA-100", "quantity": 10, "unit_cost": {"amount": 1500, "currency": "CNY"}},
                  {"sku": "TEA-250", "quantity": 4}]})
    assert created.status_code == 201, created.json
    po = created.json
    assert po["status"] == "open" and po["lines"][0]["unit_cost"] == {"amount": 1500, "currency": "CNY"}
    url = f"/api/v1/purchase-orders/{po['id']}/receive"
    first = client.post(url, headers=shop.headers, json={"lines": [{"sku": "TEA-100", "quantity": 6}]})
    assert first.status_code == 200 and first.json["status"] == "partially_received"
    body = problem(client.post(url, headers=shop.headers, json={"lines": [{"sku": "TEA-100", "quantity": 5}]}), 409)
    assert body["errors"] == {"TEA-100": ["only 4 outstanding"]}
    problem(client.post(url, headers=shop.headers, json={"lines": [{"sku": "OTHER", "quantity": 1}]}), 422)
    problem(client.post(url, headers=shop.headers, json={"lines": [{"sku": "TEA-100", "quantity": 0}]}), 422)
    done = client.post(url, headers=shop.headers, json={"warehouse": "WH1", "lines": [
        {"sku": "TEA-100", "quantity": 4}, {"sku": "TEA-250", "quantity": 4}]})
    assert done.json["status"] == "received"
    problem(client.post(url, headers=shop.headers, json={"lines": [{"sku": "TEA-100", "quantity": 1}]}), 409)
    levels = {(l["sku"], l["warehouse"]): l["on_hand"] for l in client.get("/api/v1/stock", headers=shop.headers).json["items"]}
    assert levels == {("TEA-100", "WH2"): 6, ("TEA-100", "WH1"): 4, ("TEA-250", "WH1"): 4}
    moves = client.get("/api/v1/stock/movements?warehouse=WH2", headers=shop.headers).json["items"]
    assert [(m["reason"], m["reference"]) for m in moves] == [("purchase_receipt", f"PO-{po['id']}")]
    listed = client.get("/api/v1/purchase-orders?status=received", headers=shop.headers).json["items"]
    assert [p["id"] for p in listed] == [po["id"]]
    problem(client.post("/api/v1/purchase-orders/99999/receive", headers=shop.headers,
                        json={"lines": [{"sku": "TEA-100", "quantity": 1}]}), 404)
    with in_tenant(shop):
        assert_ledger_matches_levels(db.session)
