"""Console pages of inventory: stock overview with adjustments and safety stock, the stock ledger, warehouses,
replenishment, purchase orders (list, create, detail with partial receipts and cancel).

Thin: parse the form, call one service, render. A read-only page renders and then ends its transaction: on
the embedded SQLite default every transaction starts with BEGIN IMMEDIATE and holds the write lock.
"""
from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (DateField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from saas.alerts.service import count_open
from saas.catalog.service import sku_choices
from saas.console import DASHBOARD_CARDS, tenant_blueprint
from saas.console.forms import EmptyForm
from saas.errors import DomainError, ValidationFailed
from saas.extensions import db
from saas.inventory import purchasing, service

bp = tenant_blueprint("inventory_console", __name__, "/inventory")
BLANK_LINES = 5
LEDGER_PAGE = 50
# Reasons the services write, in words; an adjustment's reason is the merchant's own text and shows as typed.
REASON_LABELS = {"opening_stock": _l("Opening stock"), "purchase_receipt": _l("Purchase receipt"),
                 "reserved": _l("Reserved for an order"), "released": _l("Reservation released"),
                 "order_cancelled": _l("Order cancelled"), "payment_timeout": _l("Payment timed out"),
                 "shipped": _l("Shipped")}
# Reasons whose reference is an order number (the reservation's reference).
ORDER_REASONS = {"reserved", "released", "order_cancelled", "payment_timeout", "shipped"}


class AdjustmentForm(FlaskForm):
    sku = StringField(_l("SKU"), validators=[DataRequired()])
    warehouse = StringField(_l("Warehouse code"), validators=[DataRequired()])
    delta = IntegerField(_l("Change (+/-)"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=60)])


class SafetyStockForm(FlaskForm):
    sku = HiddenField(validators=[DataRequired()])
    warehouse = HiddenField(validators=[DataRequired()])
    safety_stock = IntegerField(_l("Safety stock"), validators=[InputRequired()])


class WarehouseForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=120)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    priority = IntegerField(_l("Priority (lower ships first)"), default=100,
                            validators=[Optional(), NumberRange(min=0, max=10_000)])


class PurchaseLineForm(Form):
    """One row of a PO; a plain ``Form`` because the CSRF token belongs to the page's form. Blank rows are
    skipped; how many units are allowed is the service's rule, so only "is it a whole number" is checked here."""
    sku = StringField(_l("SKU"), validators=[Optional(), Length(max=64)])
    quantity = IntegerField(_l("Quantity"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        has_sku = bool((self.sku.data or "").strip())
        has_quantity = bool(self.quantity.raw_data and self.quantity.raw_data[0].strip())
        if has_sku != has_quantity:  # a half-filled row is a mistake, not a blank row to skip
            (self.quantity if has_sku else self.sku).errors.append(_("How many?") if has_sku else _("Which SKU?"))
            return False
        return valid


class PurchaseOrderForm(FlaskForm):
    supplier = StringField(_l("Supplier"), validators=[DataRequired(), Length(max=200)])
    warehouse = SelectField(_l("Destination warehouse"), validators=[DataRequired()])
    expected_date = DateField(_l("Expected date"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    lines = FieldList(FormField(PurchaseLineForm), min_entries=BLANK_LINES, max_entries=500)

    def filled_rows(self) -> list:
        return [row for row in self.lines if (row.sku.data or "").strip() or row.quantity.data is not None]

    def service_lines(self) -> list[dict]:
        return [{"sku": row.sku.data.strip(), "quantity": row.quantity.data} for row in self.filled_rows()]

    def show_errors(self, exc: DomainError) -> None:
        """Put the service's field errors next to the fields (``lines.2.sku`` is the third filled row)."""
        rows = self.filled_rows()
        for key, messages in (exc.errors or {}).items():
            target = _line_field(rows, key) or getattr(self, key, None)
            if target is not None and hasattr(target, "errors") and key != "lines":
                target.errors = list(messages)
            else:
                self.form_errors.extend(messages)


def _line_field(rows: list, key: str):
    match = re.fullmatch(r"lines\.(\d+)\.(sku|quantity|unit_cost)", key)
    if not match or int(match[1]) >= len(rows):
        return None
    row = rows[int(match[1])]
    return row.sku if match[2] == "sku" else row.quantity


def _actor() -> str:
    return f"user:{current_user.email}"


def _render_read_only(template: str, status: int = 200, **context):
    """Render, then end the read transaction (BEGIN IMMEDIATE on SQLite holds the write lock until then)."""
    page = render_template(template, **context)
    db.session.rollback()
    return page, status


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


# --- stock ---------------------------------------------------------------------------------------------

def _stock_filters(args) -> dict:
    return {key: args[key] for key in ("sku", "warehouse") if args.get(key)}


@bp.route("/", methods=["GET", "POST"])
def stock_overview():
    form = AdjustmentForm()
    if form.validate_on_submit() and _run(lambda: service.adjust_stock(
            db.session, form.sku.data.strip(), form.warehouse.data.strip(), form.delta.data, form.reason.data,
            _actor()), _("Stock adjusted.")):
        return redirect(url_for("inventory_console.stock_overview"))
    filters = _stock_filters(request.args)
    levels = service.list_stock(db.session, filters.get("sku"), filters.get("warehouse"))
    return _render_read_only("inventory/stock.html", levels=levels, form=form, filters=filters,
                             sku=filters.get("sku", ""), warehouse=filters.get("warehouse", ""),
                             warehouses=service.list_warehouses(db.session))


@bp.route("/safety-stock", methods=["POST"])
def set_safety_stock():
    """From a row of the overview; the service raises or resolves the low-stock alert. Back to the same filter."""
    form = SafetyStockForm()
    if form.validate_on_submit():
        _run(lambda: service.set_safety_stock(db.session, form.sku.data, form.warehouse.data, form.safety_stock.data),
             _("Safety stock of %(sku)s at %(warehouse)s set to %(n)d.", sku=form.sku.data,
               warehouse=form.warehouse.data, n=form.safety_stock.data))
    else:
        flash(_("Enter the safety stock as a whole number (0 turns the low-stock alert off)."), "error")
    return redirect(url_for("inventory_console.stock_overview", **_stock_filters(request.args)))


@bp.route("/ledger")
def stock_ledger():
    """The movements of one SKU (or all), optionally in one warehouse, newest first."""
    filters = _stock_filters(request.args)
    try:
        movements, next_cursor = service.list_movements(db.session, filters.get("sku"), filters.get("warehouse"),
                                                        LEDGER_PAGE, request.args.get("cursor"))
    except ValidationFailed:
        movements, next_cursor = [], None
        flash(_("That page link has expired; showing the first page."), "info")
    return _render_read_only("inventory/ledger.html", movements=movements, next_cursor=next_cursor,
                             filters=filters, warehouses=service.list_warehouses(db.session),
                             skus=sku_choices(db.session), reasons=REASON_LABELS, reference_url=_reference_url)


def _reference_url(movement) -> str | None:
    """Where the reference of a movement leads: its purchase order or its order."""
    reference = movement.reference or ""
    if movement.reason == "purchase_receipt" and re.fullmatch(r"PO-\d+", reference):
        return url_for("inventory_console.purchase_order_detail", po_id=int(reference[3:]))
    if movement.reason in ORDER_REASONS and reference and "orders_console.order_detail" in current_app.view_functions:
        return url_for("orders_console.order_detail", number=reference)
    return None


@bp.route("/warehouses", methods=["GET", "POST"])
def warehouses():
    form = WarehouseForm()
    if form.validate_on_submit() and _run(lambda: service.create_warehouse(
            db.session, form.code.data.strip(), form.name.data, form.region.data or "", form.address.data or "",
            form.priority.data if form.priority.data is not None else 100), _("Warehouse added.")):
        return redirect(url_for("inventory_console.warehouses"))
    return _render_read_only("inventory/warehouses.html", form=form, warehouses=service.list_warehouses(db.session))


@bp.route("/replenishment")
def replenishment():
    return _render_read_only("inventory/replenishment.html", rows=purchasing.replenishment_list(db.session))


# --- purchase orders -----------------------------------------------------------------------------------

@bp.route("/purchase-orders")
def purchase_orders():
    try:
        orders, cursor = purchasing.list_purchase_orders(db.session, request.args.get("status") or None, 50,
                                                         request.args.get("cursor"))
    except ValidationFailed:
        orders, cursor = [], None
        flash(_("That page link has expired; showing the first page."), "info")
    return _render_read_only("inventory/purchase_orders.html", orders=orders, next_cursor=cursor,
                             receive_form=EmptyForm())


@bp.route("/purchase-orders/new", methods=["GET", "POST"])
def new_purchase_order():
    form = PurchaseOrderForm()
    form.warehouse.choices = [(w.code, f"{w.code} — {w.name}") for w in service.list_warehouses(db.session)]
    if "add_line" in request.form:
        form.lines.append_entry()  # no JavaScript: "one more line" re-renders the form as typed
    elif form.validate_on_submit():
        try:
            po = purchasing.create_purchase_order(db.session, form.supplier.data, form.service_lines(),
                                                  form.expected_date.data, form.warehouse.data, form.note.data or "")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            form.show_errors(exc)
            flash(_("The purchase order was not saved: %(reason)s", reason=exc.detail), "error")
        else:
            flash(_("Purchase order PO-%(id)d created.", id=po.id), "success")
            return redirect(url_for("inventory_console.purchase_order_detail", po_id=po.id))
    failed = request.method == "POST" and "add_line" not in request.form
    return _render_read_only("inventory/purchase_order_new.html", 422 if failed else 200, form=form,
                             skus=sku_choices(db.session))


def _typed_number(raw: str):
    """A whole number as int; anything else is passed on as typed so the service names the line."""
    return int(raw) if re.fullmatch(r"-?\d+", raw) else raw


def _receipt_from_form(po) -> tuple[list[tuple[str, object]], list[int]]:
    """(sku, quantity) for every line given a quantity, and those lines' ids in the same order."""
    lines, line_ids = [], []
    for line in po.lines:
        raw = request.form.get(f"receive-{line.id}", "").strip()
        if raw:
            lines.append((line.sku.sku, _typed_number(raw)))
            line_ids.append(line.id)
    return lines, line_ids


def _receipt_errors(exc: DomainError, lines, line_ids) -> dict:
    """line id (or "" for the whole form) -> messages; an over-receipt names SKUs, a bad number an index."""
    if isinstance(exc, purchasing.OverReceipt):
        return {line_id: [_("Only %(n)d outstanding.", n=exc.outstanding[sku])]
                for (sku, _q), line_id in zip(lines, line_ids) if sku in exc.outstanding}
    errors: dict = {}
    for key, messages in (exc.errors or {}).items():
        match = re.fullmatch(r"lines\.(\d+)\.\w+", key)
        target = line_ids[int(match[1])] if match and int(match[1]) < len(line_ids) else ""
        errors.setdefault(target, []).extend(messages)
    return errors


def _receipt_refused(exc: DomainError) -> str:
    if isinstance(exc, purchasing.OverReceipt):
        return _("Nothing was received: that is more than is still outstanding.")
    return _("Nothing was received: %(reason)s", reason=exc.detail)


@bp.route("/purchase-orders/<int:po_id>", methods=["GET", "POST"])
def purchase_order_detail(po_id: int):
    """The PO with its lines; POST books a (partial) receipt of the quantities typed per line."""
    po, errors, status = purchasing.get_purchase_order(db.session, po_id), {}, 200
    if request.method == "POST":
        lines, line_ids = _receipt_from_form(po)
        try:
            purchasing.receive_purchase_order(db.session, po_id, lines, _actor(),
                                              request.form.get("warehouse") or None)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            errors, status = _receipt_errors(exc, lines, line_ids), exc.status
            flash(_receipt_refused(exc), "error")
            po = purchasing.get_purchase_order(db.session, po_id)
        else:
            flash(_("Receipt booked into stock."), "success")
            return redirect(url_for("inventory_console.purchase_order_detail", po_id=po_id))
    return _render_read_only("inventory/purchase_order.html", status, po=po, errors=errors, typed=request.form,
                             warehouses=service.list_warehouses(db.session) if po.warehouse is None else [])


@bp.route("/purchase-orders/<int:po_id>/cancel", methods=["POST"])
def cancel_purchase_order(po_id: int):
    _run(lambda: purchasing.cancel_purchase_order(db.session, po_id),
         _("Purchase order PO-%(id)d cancelled.", id=po_id))
    return redirect(url_for("inventory_console.purchase_order_detail", po_id=po_id))


@bp.route("/purchase-orders/<int:po_id>/receive-all", methods=["POST"])
def receive_all(po_id: int):
    """Book everything still outstanding on the PO into its warehouse (a partial receipt: the detail page)."""
    if EmptyForm().validate_on_submit():
        _run(lambda: purchasing.receive_everything_outstanding(db.session, po_id, _actor()), _("Received."))
    return redirect(url_for("inventory_console.purchase_orders"))


def _inventory_cards() -> list[dict]:
    value = count_open(db.session, "low_stock")
    db.session.rollback()  # read-only; on SQLite the transaction (BEGIN IMMEDIATE) holds the write lock
    return [{"label": _("Low-stock alerts"), "value": value, "href": url_for("inventory_console.replenishment")}]


DASHBOARD_CARDS.append(_inventory_cards)
