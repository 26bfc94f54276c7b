"""Demo data for the inventory and catalogue: two warehouses, bilingual products, opening stock, one SKU
at low stock and one open purchase order — all through the real services."""
from __future__ import annotations

from saas.catalog.service import create_product
from saas.extensions import db
from saas.inventory.purchasing import create_purchase_order
from saas.inventory.service import create_warehouse, receive_stock, set_safety_stock

WAREHOUSES = [("SH01", "上海仓 Shanghai", "CN-SH", "上海市浦东新区张江路 88 号", 1),
              ("GZ01", "广州仓 Guangzhou", "CN-GD", "广州市白云区机场路 1 号", 2)]
# (sku, product name, variant name, price in fen, grams, stock per warehouse)
PRODUCTS = [
    ("TEA-LJ-250", "西湖龙井 West Lake Longjing", "250 g", 16800, 300, {"SH01": 40, "GZ01": 15}),
    ("TEA-PE-357", "普洱茶饼 Pu'er cake", "357 g", 22800, 400, {"SH01": 25, "GZ01": 30}),
    ("MUG-CER-01", "陶瓷马克杯 Ceramic mug", "White 350 ml", 4900, 420, {"SH01": 80}),
    ("CHOP-BMB-5", "竹筷 Bamboo chopsticks", "5 pairs", 2900, 150, {"SH01": 120, "GZ01": 60}),
    ("FAN-SLK-01", "丝绸折扇 Silk folding fan", "Red", 8800, 90, {"GZ01": 4}),
    ("BAG-TOTE-1", "帆布袋 Canvas tote", "Natural", 3900, 200, {"SH01": 50, "GZ01": 50}),
    ("LAMP-PAP-1", "纸灯笼 Paper lantern", "30 cm", 5900, 250, {"GZ01": 35}),
    ("INK-SET-01", "笔墨套装 Calligraphy set", "Starter", 12800, 900, {"SH01": 12}),
]


def seed_inventory_demo(tenant) -> None:
    for code, name, region, address, priority in WAREHOUSES:
        create_warehouse(db.session, code, name, region, address, priority)
    for sku, product, variant, price, grams, stock in PRODUCTS:
        create_product(db.session, product, [{"sku": sku, "name": variant, "weight_grams": grams,
                                              "price": {"amount": price, "currency": "CNY"}}])
        for warehouse, quantity in stock.items():
            receive_stock(db.session, sku, warehouse, quantity, "opening_stock", "demo", "demo")
    set_safety_stock(db.session, "FAN-SLK-01", "GZ01", 10)  # 4 available: the demo's low-stock alert
    set_safety_stock(db.session, "TEA-LJ-250", "SH01", 10)
    create_purchase_order(db.session, "杭州丝绸厂 Hangzhou Silk Co.", [
        {"sku": "FAN-SLK-01", "quantity": 30, "unit_cost": {"amount": 3500, "currency": "CNY"}}],
        warehouse="GZ01", note="Restock before the summer")
    db.session.commit()
