"""Console pages of catalogue, inventory and alerts, with the CSV import that keeps good rows only."""
from __future__ import annotations

import io

from sqlalchemy import select

from inventory.ledger import assert_ledger_matches_levels
from inventory.stock_setup import add_warehouse, stock_of
from saas.alerts.models import Alert
from saas.catalog.models import Sku
from saas.extensions import db

CSV = """sku,name,price,currency,weight_grams,barcode,warehouse,quantity
TEA-1,绿茶 Green tea,19.99,CNY,120,690000000001,WH1,30
BAD-1,Bad price,19.999,CNY,10,,WH1,5
MUG-1,Mug,49,CNY,,,,
BAD-2,Unknown warehouse,10,CNY,10,,NOWH,5
BAD-3,,10,CNY,10,,WH1,5
"""


def test_csv_import_keeps_valid_rows_and_lists_bad_ones(client, shop, login, in_tenant):
    with in_tenant(shop):
        add_warehouse("WH1")
        db.session.commit()
    login(shop)
    response = client.post(f"/t/{shop.slug}/products/import", data={"file": (io.BytesIO(CSV.encode()), "p.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 rows imported" in page and "3 rows were NOT imported" in page
    for line in ("<td>3</td>", "<td>5</td>", "<td>6</td>"):
        assert line in page
    with in_tenant(shop):
        skus = {s.sku: s for s in db.session.scalars(select(Sku))}
        assert set(skus) == {"TEA-1", "MUG-1"}  # nothing of a bad row, not even its product
        assert skus["TEA-1"].price_amount == 1999 and skus["MUG-1"].price_amount == 4900
        assert stock_of("TEA-1", "WH1") == (30, 0)
        assert_ledger_matches_levels(db.session)


def test_console_pages_render_and_create(client, shop, login, in_tenant):
    login(shop)
    base = f"/t/{shop.slug}"
    created = client.post(f"{base}/products/new", data={
        "product_name": "扇子 Fan", "sku": "FAN-1", "name": "Red", "price": "88.00", "currency": "CNY",
        "weight_grams": "90", "barcode": "", "active": "y"})
    assert created.status_code == 302
    assert client.post(f"{base}/inventory/warehouses", data={"code": "WH1", "name": "仓库", "priority": "1"}).status_code == 302
    assert client.post(f"{base}/inventory/", data={"sku": "FAN-1", "warehouse": "WH1", "delta": "5",
                                                   "reason": "stocktake"}).status_code == 302
    too_much = client.post(f"{base}/inventory/", data={"sku": "FAN-1", "warehouse": "WH1", "delta": "-9",
                                                       "reason": "damage"})
    assert too_much.status_code == 200 and "flash-error" in too_much.get_data(as_text=True)
    listed = client.get(f"{base}/products/?q=fan").get_data(as_text=True)
    assert "FAN-1" in listed and "88.00 CNY" in listed
    duplicate = client.post(f"{base}/products/new", data={"product_name": "x", "sku": "FAN-1", "name": "x",
                                                          "price": "1", "currency": "CNY"})
    assert duplicate.status_code == 200 and "already used" in duplicate.get_data(as_text=True)
    with in_tenant(shop):
        sku_id = db.session.scalar(select(Sku.id).where(Sku.sku == "FAN-1"))
    assert client.post(f"{base}/products/skus/{sku_id}", data={
        "product_name": "Fan", "sku": "FAN-1", "name": "Blue", "price": "90", "currency": "CNY"}).status_code == 302
    for path in ("/products/", "/products/new", "/products/import", "/inventory/", "/inventory/warehouses",
                 "/inventory/replenishment", "/inventory/purchase-orders", "/alerts/", "/alerts/?status=resolved", "/"):
        assert client.get(base + path).status_code == 200, path


def test_alert_resolve_button(client, shop, login, in_tenant):
    from saas.alerts.service import raise_alert
    with in_tenant(shop):
        alert_id = raise_alert(db.session, "low_stock", "sku:A@WH1", "sku:A@WH1", "Only 2 left").id
        db.session.commit()
    login(shop)
    assert "Only 2 left" in client.get(f"/t/{shop.slug}/alerts/").get_data(as_text=True)
    assert client.post(f"/t/{shop.slug}/alerts/{alert_id}/resolve").status_code == 302
    with in_tenant(shop):
        assert db.session.get(Alert, alert_id).status == "resolved"


def test_another_shops_console_is_404(client, shop, make_shop, login):
    login(shop)
    assert client.get(f"/t/{make_shop().slug}/inventory/").status_code == 404


def test_demo_seeder_builds_stock_a_low_sku_and_an_open_po(app, in_tenant):
    from saas.alerts.service import count_open
    from saas.demo import seed_demo
    from saas.inventory.purchasing import list_purchase_orders, replenishment_list
    from conftest import unique_slug
    from tenants.models import Tenant
    slug = unique_slug("demo")
    with app.app_context():
        seed_demo(slug)
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)).ref()
        db.session.remove()
    with in_tenant(tenant):
        assert count_open(db.session, "low_stock") == 1
        [po], _ = list_purchase_orders(db.session, "open")
        fan = next(r for r in replenishment_list(db.session) if r.sku == "FAN-SLK-01")
        assert (fan.available, fan.open_purchase_quantity, fan.suggested_quantity) == (4, 30, 0)
        assert_ledger_matches_levels(db.session)
