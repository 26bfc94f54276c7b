"""Products over the API: round trip, per-field 422s, 409 on a taken SKU, 404 across tenants, 403 scopes."""
from __future__ import annotations

PRODUCT = {"name": "Green tea 绿茶", "variants": [
    {"sku": "TEA-100", "name": "100 g", "price": {"amount": 3900, "currency": "CNY"}, "weight_grams": 120},
    {"sku": "TEA-250", "name": "250 g", "price": {"amount": 8800, "currency": "CNY"}, "barcode": "6901234567890"}]}


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def key_with(client, shop, *scopes):
    created = client.post("/api/v1/api-keys", headers=shop.headers, json={"name": "k", "scopes": list(scopes)})
    return {"Authorization": f"Bearer {created.json['key']}"}


def test_create_get_list_and_patch_a_product(client, shop):
    created = client.post("/api/v1/products", headers=shop.headers, json=PRODUCT)
    assert created.status_code == 201, created.json
    product = created.json
    assert [v["sku"] for v in product["variants"]] == ["TEA-100", "TEA-250"]
    assert product["variants"][0]["price"] == {"amount": 3900, "currency": "CNY"}
    assert client.get(f"/api/v1/products/{product['id']}", headers=shop.headers).json == product
    found = client.get("/api/v1/products?q=tea-25", headers=shop.headers).json
    assert [p["id"] for p in found["items"]] == [product["id"]] and found["next_cursor"] is None
    assert client.get("/api/v1/products?q=nothing", headers=shop.headers).json["items"] == []
    patched = client.patch(f"/api/v1/products/{product['id']}", headers=shop.headers, json={
        "name": "Tea", "variants": [{"sku": "TEA-100", "price": {"amount": 4100, "currency": "CNY"}},
                                    {"sku": "TEA-500", "name": "500 g", "price": {"amount": 15000, "currency": "CNY"}}]})
    assert patched.status_code == 200, patched.json
    assert patched.json["name"] == "Tea"
    assert {v["sku"]: v["price"]["amount"] for v in patched.json["variants"]} == {
        "TEA-100": 4100, "TEA-250": 8800, "TEA-500": 15000}


def test_invalid_product_is_422_with_field_errors(client, shop):
    body = problem(client.post("/api/v1/products", headers=shop.headers, json={
        "name": "", "variants": [{"sku": "bad sku!", "name": "x", "price": {"amount": -1, "currency": "XXX"}}]}), 422)
    assert {"name", "variants.0.sku", "variants.0.price.amount", "variants.0.price.currency"} <= set(body["errors"])
    body = problem(client.post("/api/v1/products", headers=shop.headers, json={"name": "x", "variants": []}), 422)
    assert "variants" in body["errors"]
    new_without_price = client.post("/api/v1/products", headers=shop.headers, json=PRODUCT).json
    body = problem(client.patch(f"/api/v1/products/{new_without_price['id']}", headers=shop.headers,
                                json={"variants": [{"sku": "NEW-1"}]}), 422)
    assert "variants.0.name" in body["errors"]


def test_taken_sku_is_409(client, shop):
    assert client.post("/api/v1/products", headers=shop.headers, json=PRODUCT).status_code == 201
    body = problem(client.post("/api/v1/products", headers=shop.headers, json={**PRODUCT, "variants": PRODUCT["variants"][:1]}), 409)
    assert "variants.0.sku" in body["errors"]


def test_another_shops_product_is_404_and_same_sku_is_fine_there(client, make_shop):
    first, second = make_shop(), make_shop()
    product = client.post("/api/v1/products", headers=first.headers, json=PRODUCT).json
    problem(client.get(f"/api/v1/products/{product['id'] + 1000}", headers=first.headers), 404)
    assert client.post("/api/v1/products", headers=second.headers, json=PRODUCT).status_code == 201
    other = client.post("/api/v1/products", headers=first.headers,
                        json={"name": "Only mine", "variants": [{**PRODUCT["variants"][0], "sku": "MINE"}]}).json
    problem(client.get(f"/api/v1/products/{other['id']}", headers=second.headers), 404)
    problem(client.patch(f"/api/v1/products/{other['id']}", headers=second.headers, json={"name": "x"}), 404)


def test_scopes_gate_reads_and_writes(client, shop):
    reader = key_with(client, shop, "inventory:read")
    assert client.get("/api/v1/products", headers=reader).status_code == 200
    problem(client.post("/api/v1/products", headers=reader, json=PRODUCT), 403)
    problem(client.get("/api/v1/products", headers=key_with(client, shop, "orders:read")), 403)
    problem(client.get("/api/v1/products"), 401)
