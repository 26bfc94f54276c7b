"""Demo orders in varied states, made through the order services (runs after the inventory seeder)."""
from __future__ import annotations

from sqlalchemy import select

from saas.catalog.models import Sku
from saas.demo import DEMO_SEEDERS
from saas.errors import DomainError
from saas.extensions import db
from saas.inventory.service import consume_reservations
from saas.orders.service import apply_transition, cancel_order, create_order

CUSTOMERS = [("王芳 Wang Fang", "13800138001", "上海市", "上海市", "浦东新区", "世纪大道 100 号"),
             ("李雷 Li Lei", "13900139002", "广东省", "广州市", "天河区", "体育西路 8 号"),
             ("韩梅梅 Han Meimei", "13700137003", "北京市", "北京市", "朝阳区", "建国路 66 号"),
             ("张伟 Zhang Wei", "13600136004", "浙江省", "杭州市", "西湖区", "文三路 20 号"),
             ("陈静 Chen Jing", "13500135005", "四川省", "成都市", "武侯区", "人民南路 9 号"),
             ("刘洋 Liu Yang", "13300133006", "江苏省", "南京市", "鼓楼区", "中山路 18 号")]
# (payment method, lines as (sku index, quantity), what happens next)
PLAN = [("online", [(0, 1), (2, 2)], "pending"), ("online", [(1, 1)], "paid"), ("cod", [(3, 3)], "cod"),
        ("online", [(5, 2), (2, 1)], "shipped"), ("online", [(6, 1)], "cancelled"),
        ("online", [(0, 2)], "completed")]
FLOWS = {"pending": [], "cod": [],
         "paid": [("payment_status", "succeed"), ("status", "pay")],
         "shipped": [("payment_status", "succeed"), ("status", "pay"), ("status", "ship_all"),
                     ("fulfilment_status", "ship_all")],
         "completed": [("payment_status", "succeed"), ("status", "pay"), ("status", "ship_all"),
                       ("fulfilment_status", "ship_all"), ("status", "deliver"), ("fulfilment_status", "deliver"),
                       ("status", "complete")]}


def _body(customer, method, lines, skus) -> dict:
    name, phone, province, city, district, line1 = customer
    return {"channel": "demo", "customer": {"name": name, "phone": phone},
            "shipping_address": {"name": name, "phone": phone, "country": "CN", "province": province,
                                 "city": city, "district": district, "line1": line1},
            "lines": [{"sku": skus[i % len(skus)], "quantity": q} for i, q in lines], "payment_method": method}


def seed_orders_demo(tenant) -> None:
    """Six orders: pending payment, paid, cash on delivery, shipped, cancelled, completed.

    The shipped ones only move the state machines (fulfilment's services ship for real once installed)."""
    skus = list(db.session.scalars(select(Sku.sku).where(Sku.active).order_by(Sku.id)))
    if not skus:
        return
    for customer, (method, lines, outcome) in zip(CUSTOMERS, PLAN):
        try:
            order, _ = create_order(db.session, _body(customer, method, lines, skus), "demo")
        except DomainError:
            continue  # not enough demo stock: fewer orders, not a broken demo
        if outcome == "cancelled":
            cancel_order(db.session, order.number, "Buyer changed their mind", "demo")
            continue
        for axis, event in FLOWS[outcome]:
            apply_transition(db.session, order, axis, event, "demo", "demo data")
        if outcome in ("shipped", "completed"):
            consume_reservations(db.session, order.number, "demo")  # the parcels left the warehouse
        db.session.commit()


DEMO_SEEDERS.append(seed_orders_demo)
