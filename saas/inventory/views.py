"""Console pages of inventory: stock overview with adjustments, warehouses, replenishment, purchase orders."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.alerts.service import count_open
from saas.console import DASHBOARD_CARDS, tenant_blueprint
from saas.console.forms import EmptyForm
from saas.errors import DomainError
from saas.extensions import db
from saas.inventory import purchasing, service

bp = tenant_blueprint("inventory_console", __name__, "/inventory")


class AdjustmentForm(FlaskForm):
    sku = StringField(_l("SKU"), validators=[DataRequired()])
    warehouse = StringField(_l("Warehouse code"), validators=[DataRequired()])
    delta = IntegerField(_l("Change (+/-)"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=60)])


class WarehouseForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=120)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    priority = IntegerField(_l("Priority (lower ships first)"), default=100,
                            validators=[Optional(), NumberRange(min=0, max=10_000)])


def _actor() -> str:
    return f"user:{current_user.email}"


def _run(action, success: str) -> bool:
    """Call a service and commit; a domain error becomes a flashed message instead of a page."""
    try:
        action()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.errors or {}).items())
        flash(f"{exc.detail} {details}".strip(), "error")
        return False
    flash(success, "success")
    return True


@bp.route("/", methods=["GET", "POST"])
def stock_overview():
    form = AdjustmentForm()
    if form.validate_on_submit() and _run(lambda: service.adjust_stock(
            db.session, form.sku.data.strip(), form.warehouse.data.strip(), form.delta.data, form.reason.data,
            _actor()), _("Stock adjusted.")):
        return redirect(url_for("inventory_console.stock_overview"))
    sku, warehouse = request.args.get("sku") or None, request.args.get("warehouse") or None
    levels = service.list_stock(db.session, sku, warehouse)
    return render_template("inventory/stock.html", levels=levels, form=form, sku=sku or "",
                           warehouse=warehouse or "", warehouses=service.list_warehouses(db.session))


@bp.route("/warehouses", methods=["GET", "POST"])
def warehouses():
    form = WarehouseForm()
    if form.validate_on_submit() and _run(lambda: service.create_warehouse(
            db.session, form.code.data.strip(), form.name.data, form.region.data or "", form.address.data or "",
            form.priority.data if form.priority.data is not None else 100), _("Warehouse added.")):
        return redirect(url_for("inventory_console.warehouses"))
    return render_template("inventory/warehouses.html", form=form, warehouses=service.list_warehouses(db.session))


@bp.route("/replenishment")
def replenishment():
    return render_template("inventory/replenishment.html", rows=purchasing.replenishment_list(db.session))


@bp.route("/purchase-orders")
def purchase_orders():
    orders, cursor = purchasing.list_purchase_orders(db.session, request.args.get("status") or None, 50,
                                                     request.args.get("cursor"))
    return render_template("inventory/purchase_orders.html", orders=orders, next_cursor=cursor,
                           receive_form=EmptyForm())


@bp.route("/purchase-orders/<int:po_id>/receive-all", methods=["POST"])
def receive_all(po_id: int):
    """Book everything still outstanding on the PO into its warehouse (partial receipts: use the API)."""
    if EmptyForm().validate_on_submit():
        po = purchasing.get_purchase_order(db.session, po_id)
        lines = [(line.sku.sku, line.quantity - line.received_quantity) for line in po.lines
                 if line.quantity > line.received_quantity]
        _run(lambda: purchasing.receive_purchase_order(db.session, po_id, lines, _actor()), _("Received."))
    return redirect(url_for("inventory_console.purchase_orders"))


def _inventory_cards() -> list[dict]:
    value = count_open(db.session, "low_stock")
    db.session.rollback()  # read-only; on SQLite the transaction (BEGIN IMMEDIATE) holds the write lock
    return [{"label": _("Low-stock alerts"), "value": value, "href": url_for("inventory_console.replenishment")}]


DASHBOARD_CARDS.append(_inventory_cards)
