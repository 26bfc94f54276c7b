"""Purchase orders (stock coming from suppliers) and the replenishment list built from them."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from saas.api.pagination import paginate
from saas.catalog.models import Sku
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.inventory.models import PurchaseOrder, PurchaseOrderLine, StockLevel
from saas.inventory.service import (check_quantity, find_sku_or_fail, find_warehouse_or_fail, receive_stock)
from saas.money import SUPPORTED_CURRENCIES

OPEN_STATUSES = ("open", "partially_received")


class OverReceipt(Conflict):
    """More received than is outstanding. ``outstanding`` maps each such SKU to what is still open, so the
    console can say it in the merchant's language (the problem+json body is the plain Conflict's)."""

    def __init__(self, outstanding: dict[str, int]):
        self.outstanding = dict(outstanding)
        super().__init__("More received than is outstanding.",
                         errors={sku: [f"only {left} outstanding"] for sku, left in outstanding.items()})


def create_purchase_order(session, supplier: str, lines: list[dict], expected_date: dt.date | None = None,
                          warehouse: str | None = None, note: str = "") -> PurchaseOrder:
    """A new open PO. ``lines``: {"sku", "quantity", "unit_cost": {"amount", "currency"}?}."""
    if not (supplier or "").strip():
        raise ValidationFailed("A supplier is required.", errors={"supplier": ["Required."]})
    if not lines:
        raise ValidationFailed("A purchase order needs lines.", errors={"lines": ["Give at least one line."]})
    po = PurchaseOrder(supplier=supplier.strip(), expected_date=expected_date, note=note or "", status="open")
    if warehouse:
        po.warehouse = find_warehouse_or_fail(session, warehouse, "warehouse")
    for i, line in enumerate(lines):
        po.lines.append(_new_line(session, line, i))
    session.add(po)
    session.flush()
    return po


def _new_line(session, line: dict, i: int) -> PurchaseOrderLine:
    sku = find_sku_or_fail(session, line.get("sku") or "", f"lines.{i}.sku")
    quantity = check_quantity(line.get("quantity"), f"lines.{i}.quantity")
    cost = line.get("unit_cost") or {"amount": 0, "currency": sku.currency}
    amount = cost.get("amount")
    if cost.get("currency") not in SUPPORTED_CURRENCIES or not isinstance(amount, int) or amount < 0:
        raise ValidationFailed("Invalid unit cost.", errors={f"lines.{i}.unit_cost": ["Minor units >= 0 and a currency."]})
    return PurchaseOrderLine(sku=sku, quantity=quantity, received_quantity=0, unit_cost_amount=amount,
                             currency=cost["currency"])


def get_purchase_order(session, po_id: int, lock: bool = False) -> PurchaseOrder:
    stmt = select(PurchaseOrder).where(PurchaseOrder.id == po_id).execution_options(populate_existing=True)
    po = session.scalar(stmt.with_for_update(of=PurchaseOrder) if lock else stmt)
    if po is None:
        raise NotFound("No such purchase order.")
    return po


def list_purchase_orders(session, status: str | None = None, limit: int = 50, cursor: str | None = None):
    stmt = select(PurchaseOrder)
    if status:
        stmt = stmt.where(PurchaseOrder.status == status)
    return paginate(session, stmt, PurchaseOrder.id, limit, cursor)


def po_reference(po: PurchaseOrder) -> str:
    return f"PO-{po.id}"


def receive_purchase_order(session, po_id: int, lines: list[tuple[str, int]], actor: str,
                           warehouse: str | None = None) -> PurchaseOrder:
    """Book a (partial) receipt: stock goes into ``warehouse`` (or the PO's) with ledger rows.

    Receiving more than is still outstanding on a line, or receiving a closed PO, is a 409; a SKU that is
    not on the PO is a 422. The PO row is locked so two receipts of the same PO cannot both over-receive.
    """
    return _receive(session, get_purchase_order(session, po_id, lock=True), lines, actor, warehouse)


def _receive(session, po: PurchaseOrder, lines, actor: str, warehouse: str | None) -> PurchaseOrder:
    if po.status not in OPEN_STATUSES:
        raise Conflict(f"This purchase order is {po.status}.")
    target = find_warehouse_or_fail(session, warehouse, "warehouse") if warehouse else po.warehouse
    if target is None:
        raise ValidationFailed("Where does the stock go?", errors={"warehouse": ["Required: the PO has none."]})
    wanted = _receipt_quantities(session, po, lines)
    for sku, quantity in wanted.items():
        _mark_received(po, sku, quantity)
        receive_stock(session, sku, target.code, quantity, "purchase_receipt", po_reference(po), actor)
    done = all(line.received_quantity == line.quantity for line in po.lines)
    po.status = "received" if done else "partially_received"
    session.flush()
    return po


def receive_everything_outstanding(session, po_id: int, actor: str) -> PurchaseOrder:
    """Book every unit still outstanding on the PO into its own warehouse (the supplier delivered in full)."""
    po = get_purchase_order(session, po_id, lock=True)
    lines = [(line.sku.sku, line.quantity - line.received_quantity) for line in po.lines
             if line.quantity > line.received_quantity]
    return _receive(session, po, lines, actor, None)


def _receipt_quantities(session, po: PurchaseOrder, lines) -> dict[str, int]:
    if not lines:
        raise ValidationFailed("Nothing received.", errors={"lines": ["Give at least one line."]})
    outstanding: dict[str, int] = defaultdict(int)
    for line in po.lines:
        outstanding[line.sku.sku] += line.quantity - line.received_quantity
    wanted: dict[str, int] = defaultdict(int)
    for i, (sku, quantity) in enumerate(lines):
        if sku not in outstanding:
            raise ValidationFailed("SKU not on this purchase order.", errors={f"lines.{i}.sku": [f"{sku} is not on it."]})
        wanted[sku] += check_quantity(quantity, f"lines.{i}.quantity")
    over = {sku: outstanding[sku] for sku, q in wanted.items() if q > outstanding[sku]}
    if over:
        raise OverReceipt(over)
    return dict(wanted)


def _mark_received(po: PurchaseOrder, sku: str, quantity: int) -> None:
    for line in po.lines:
        if line.sku.sku == sku and quantity:
            take = min(quantity, line.quantity - line.received_quantity)
            line.received_quantity += take
            quantity -= take


def cancel_purchase_order(session, po_id: int) -> PurchaseOrder:
    """Cancel what is still outstanding; units already received stay in stock."""
    po = get_purchase_order(session, po_id, lock=True)
    if po.status not in OPEN_STATUSES:
        raise Conflict(f"This purchase order is {po.status}.")
    po.status = "cancelled"
    session.flush()
    return po


# --- replenishment -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplenishmentRow:
    sku: str
    name: str
    available: int
    safety_stock: int
    open_purchase_quantity: int
    suggested_quantity: int


def open_purchase_quantities(session) -> dict[int, int]:
    """sku_id -> units ordered but not yet received on open purchase orders."""
    rows = session.execute(
        select(PurchaseOrderLine.sku_id, func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity))
        .join(PurchaseOrder).where(PurchaseOrder.status.in_(OPEN_STATUSES)).group_by(PurchaseOrderLine.sku_id))
    return {sku_id: int(quantity or 0) for sku_id, quantity in rows}


def suggested_order_quantity(available: int, safety_stock: int, open_quantity: int) -> int:
    """Order up to twice the safety stock, counting what is already on its way: 2×safety − available −
    open PO quantity, never below 0. Two safety stocks leave one full buffer after the reorder point."""
    return max(0, 2 * safety_stock - available - open_quantity)


def replenishment_list(session) -> list[ReplenishmentRow]:
    """Every SKU with a safety stock, summed over warehouses, most urgent (largest suggestion) first."""
    rows = session.execute(
        select(Sku.id, Sku.sku, Sku.name, func.sum(StockLevel.on_hand - StockLevel.reserved),
               func.sum(StockLevel.safety_stock))
        .join(StockLevel, StockLevel.sku_id == Sku.id).group_by(Sku.id, Sku.sku, Sku.name)
        .having(func.sum(StockLevel.safety_stock) > 0))
    incoming = open_purchase_quantities(session)
    result = [ReplenishmentRow(sku, name, int(available), int(safety), incoming.get(sku_id, 0),
                               suggested_order_quantity(int(available), int(safety), incoming.get(sku_id, 0)))
              for sku_id, sku, name, available, safety in rows]
    return sorted(result, key=lambda r: (-r.suggested_quantity, r.sku))
