"""Low stock raises one open alert (not one per order), resolves itself, and shows in the alerts API."""
from __future__ import annotations

from sqlalchemy import select

from catalog.test_products_api import problem
from inventory.stock_setup import add_sku, add_warehouse
from saas.alerts.models import Alert
from saas.alerts.service import raise_alert, resolve_alert
from saas.extensions import db
from saas.inventory.service import adjust_stock, release_reservations, reserve_stock, set_safety_stock
from tenants.models import OutboxEmail


def open_low_stock(session):
    return list(session.scalars(select(Alert).where(Alert.type == "low_stock", Alert.status == "open")))


def test_low_stock_is_raised_once_and_resolves_itself(shop, in_tenant):
    with in_tenant(shop):
        add_warehouse("WH1")
        add_sku("A", stock={"WH1": 10})
        set_safety_stock(db.session, "A", "WH1", 3)
        db.session.commit()
        assert open_low_stock(db.session) == []
        for i in range(4):  # 10 -> 6 available: the 4th order crosses 7 -> 6? no: stays above 3
            reserve_stock(db.session, [("A", 1)], f"SO-{i}", "t")
            db.session.commit()
        assert open_low_stock(db.session) == []
        for i in range(4, 8):  # 6 -> 2 available: at 3 it is raised, then stays one alert
            reserve_stock(db.session, [("A", 1)], f"SO-{i}", "t")
            db.session.commit()
        [alert] = open_low_stock(db.session)
        assert alert.subject == "sku:A@WH1" and alert.data["available"] == 3
        release_reservations(db.session, "SO-7", "cancelled", "t")  # 3 available: still low
        db.session.commit()
        assert len(open_low_stock(db.session)) == 1
        adjust_stock(db.session, "A", "WH1", 5, "restock", "t")  # 8 available: back above
        db.session.commit()
        assert open_low_stock(db.session) == []
        resolved = db.session.scalar(select(Alert).where(Alert.id == alert.id))
        assert resolved.status == "resolved" and resolved.resolved_by == "system"


def test_raising_notifies_owners_once_and_resolve_is_idempotent(shop, in_tenant, app):
    with in_tenant(shop):
        first = raise_alert(db.session, "payment_failed", "order:SO1", "order:SO1", "Payment failed",
                            severity="critical", notify_buyer_email="buyer@example.com")
        again = raise_alert(db.session, "payment_failed", "order:SO1", "order:SO1", "Payment failed")
        db.session.commit()
        assert first is not None and again is None
        mails = db.session.scalars(select(OutboxEmail.to).where(OutboxEmail.tenant_id == shop.tenant.id)).all()
        assert sorted(mails) == sorted([shop.email, "buyer@example.com"])
        assert resolve_alert(db.session, "payment_failed", "order:SO1", "me").status == "resolved"
        assert resolve_alert(db.session, "payment_failed", "order:SO1", "me") is None
        db.session.commit()
        assert raise_alert(db.session, "payment_failed", "order:SO1", "order:SO1", "Failed again") is not None
        db.session.commit()


def test_alerts_api_lists_filters_and_resolves(client, shop, make_shop, in_tenant):
    with in_tenant(shop):
        alert_id = raise_alert(db.session, "tracking_stalled", "shipment:1", "shipment:1", "No scan for 48 h").id
        raise_alert(db.session, "low_stock", "sku:A@WH1", "sku:A@WH1", "Low")
        db.session.commit()
    listed = client.get("/api/v1/alerts?status=open&type=tracking_stalled", headers=shop.headers).json
    assert [a["id"] for a in listed["items"]] == [alert_id]
    resolved = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=shop.headers)
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    assert resolved.json["resolved_by"].startswith("api_key:")
    problem(client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=shop.headers), 409)
    assert [a["type"] for a in client.get("/api/v1/alerts?status=open", headers=shop.headers).json["items"]] == ["low_stock"]
    problem(client.get("/api/v1/alerts?status=nope", headers=shop.headers), 422)
    problem(client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=make_shop().headers), 404)
