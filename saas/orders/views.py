"""Console pages for orders: the list (tabs with counts, filters, search, bulk cancel), the detail page and
manual order entry (a phone order). Thin: parse the form, call a service, render."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from saas.catalog.service import sku_choices
from saas.console import DASHBOARD_CARDS, tenant_blueprint
from saas.errors import DomainError, ValidationFailed
from saas.extensions import db
from saas.inventory.service import OutOfStock
from saas.orders import demo, jobs  # noqa: F401  (registers the demo seeder and the expiry job)
from saas.orders import service
from saas.orders.capture import ADDRESS_FIELDS

bp = tenant_blueprint("orders_console", __name__, "/orders")
TABS = [("", _l("All")), ("pending_payment", _l("Pending payment")),
        ("awaiting_fulfilment", _l("Awaiting fulfilment")), ("shipped", _l("Shipped")),
        ("completed", _l("Completed")), ("cancelled", _l("Cancelled"))]
FILTERS = ("status", "payment_status", "fulfilment_status", "channel", "q")
BLANK_ROWS = 3


def _actor() -> str:
    return f"user:{current_user.email}"


def _filters() -> dict:
    return {name: request.args.get(name, "").strip() for name in FILTERS if request.args.get(name, "").strip()}


@bp.route("/")
def list_orders():
    filters = _filters()
    try:
        orders, next_cursor = service.list_orders(db.session, filters, 50, request.args.get("cursor"))
    except ValidationFailed:
        orders, next_cursor = [], None
        flash(_("That page link has expired; showing the first page."), "info")
    counts = service.count_by_status(db.session)
    tab_counts = {status: counts.get(status, 0) for status, _label in TABS if status}
    tab_counts[""] = sum(counts.values())
    return render_template("orders/list.html", orders=orders, next_cursor=next_cursor, filters=filters,
                           tabs=TABS, tab_counts=tab_counts)


@bp.route("/bulk-cancel", methods=["POST"])
def bulk_cancel():
    """Each order is cancelled in its own transaction: one that cannot be cancelled stops no other."""
    reason = request.form.get("reason", "").strip() or _("Cancelled from the order list")
    done, refused = 0, []
    for number in request.form.getlist("numbers"):
        try:
            service.cancel_order(db.session, number, reason, _actor())
            done += 1
        except DomainError as exc:
            refused.append(f"{number}: {exc.detail}")
    if done:
        flash(_("%(n)d orders cancelled.", n=done), "success")
    for message in refused:
        flash(message, "error")
    return redirect(request.form.get("next") or url_for("orders_console.list_orders"))


@bp.route("/<number>")
def order_detail(number: str):
    order = service.get_order(db.session, number)
    return render_template("orders/detail.html", order=order, detail=service.order_as_dict(order))


@bp.route("/<number>/cancel", methods=["POST"])
def cancel(number: str):
    try:
        service.cancel_order(db.session, number, request.form.get("reason", "").strip(), _actor())
        flash(_("Order %(number)s was cancelled.", number=number), "success")
    except DomainError as exc:
        flash(exc.detail, "error")
    return redirect(url_for("orders_console.order_detail", number=number))


# --- manual entry ------------------------------------------------------------------------------------

def _quantity(raw: str):
    raw = raw.strip()
    return int(raw) if raw.lstrip("-").isdigit() else raw  # leave text as typed: the service names the field


def order_from_form(form) -> dict:
    """The service's input from the form; blank line rows are skipped."""
    lines = [{"sku": sku.strip(), "quantity": _quantity(qty)}
             for sku, qty in zip(form.getlist("sku"), form.getlist("quantity")) if sku.strip() or qty.strip()]
    return {"channel": "console",
            "customer": {k: form.get(f"customer_{k}", "") for k in ("name", "phone", "email")},
            "shipping_address": {k: form.get(f"address_{k}", "") for k in ADDRESS_FIELDS},
            "lines": lines, "payment_method": form.get("payment_method", ""), "note": form.get("note", "")}


def _stock_errors(exc: OutOfStock, lines: list[dict]) -> dict:
    """Show a shortage next to each line of the short SKU."""
    return {f"lines.{i}.quantity": [_("Only %(n)d available.", n=exc.shortages[line["sku"]])]
            for i, line in enumerate(lines) if line["sku"] in exc.shortages}


@bp.route("/new", methods=["GET", "POST"])
def new_order():
    data, errors = order_from_form(request.form), {}
    if request.method == "POST":
        try:
            order, _created = service.create_order(db.session, data, _actor())
            flash(_("Order %(number)s created.", number=order.number), "success")
            return redirect(url_for("orders_console.order_detail", number=order.number))
        except OutOfStock as exc:
            errors = _stock_errors(exc, data["lines"])
            flash(exc.detail, "error")
        except DomainError as exc:
            errors = exc.errors or {}
            flash(exc.detail, "error")
    rows = data["lines"] + [{"sku": "", "quantity": ""}] * BLANK_ROWS
    skus = sku_choices(db.session)
    db.session.rollback()  # read-only; on SQLite the transaction (BEGIN IMMEDIATE) holds the write lock
    return render_template("orders/new.html", data=data, rows=rows, errors=errors, skus=skus,
                           address_fields=ADDRESS_FIELDS), (422 if errors else 200)


def _dashboard_cards() -> list[dict]:
    numbers = service.dashboard_numbers(db.session)
    db.session.rollback()  # read-only; on SQLite the transaction (BEGIN IMMEDIATE) holds the write lock
    return [{"label": _("Orders today"), "value": numbers["today"],
             "href": url_for("orders_console.list_orders")},
            {"label": _("Awaiting fulfilment"), "value": numbers["awaiting_fulfilment"],
             "href": url_for("orders_console.list_orders", status="awaiting_fulfilment")}]


DASHBOARD_CARDS.append(_dashboard_cards)
