"""Console pages of the catalogue: product list with search, create, edit a SKU, CSV import."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.catalog import service
from saas.catalog.csv_import import COLUMNS, import_catalog_csv
from saas.catalog.models import Sku
from saas.console import DASHBOARD_CARDS, tenant_blueprint
from saas.errors import DomainError, NotFound
from saas.extensions import db
from saas.money import SUPPORTED_CURRENCIES, Money

bp = tenant_blueprint("catalog_console", __name__, "/products")


class SkuForm(FlaskForm):
    product_name = StringField(_l("Product name"), validators=[DataRequired(), Length(max=200)])
    sku = StringField(_l("SKU"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Variant name"), validators=[DataRequired(), Length(max=200)])
    price = StringField(_l("Price"), validators=[DataRequired()])
    currency = SelectField(_l("Currency"), choices=sorted(SUPPORTED_CURRENCIES), default="CNY")
    weight_grams = IntegerField(_l("Weight (g)"), default=0, validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    barcode = StringField(_l("Barcode"), validators=[Optional(), Length(max=64)])
    active = BooleanField(_l("Active"), default=True)

    def variant(self) -> dict:
        """The form as the service's variant dict; a bad price becomes a form error (None returned)."""
        try:
            price = Money.from_decimal(self.price.data.strip(), self.currency.data)
        except Exception:
            self.price.errors = [_("Enter an amount such as 19.99.")]
            return None
        return {"sku": self.sku.data.strip(), "name": self.name.data, "price": {"amount": price.amount,
                "currency": price.currency}, "weight_grams": self.weight_grams.data or 0,
                "barcode": self.barcode.data or None, "active": self.active.data}


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


def _show_domain_error(form: SkuForm, exc: DomainError) -> None:
    db.session.rollback()
    for key, messages in (exc.errors or {}).items():
        target = getattr(form, key.split(".")[-1], None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(messages)
    flash(exc.detail, "error")


@bp.route("/")
def list_products():
    q = request.args.get("q", "").strip()
    products, cursor = service.list_products(db.session, q or None, 50, request.args.get("cursor"))
    return render_template("catalog/products.html", products=products, q=q, next_cursor=cursor)


@bp.route("/new", methods=["GET", "POST"])
def new_product():
    form = SkuForm()
    if form.validate_on_submit() and (variant := form.variant()) is not None:
        try:
            service.create_product(db.session, form.product_name.data, [variant])
            db.session.commit()
        except DomainError as exc:
            _show_domain_error(form, exc)
        else:
            flash(_("Product created."), "success")
            return redirect(url_for("catalog_console.list_products"))
    return render_template("catalog/product_form.html", form=form, title=_("New product"))


@bp.route("/skus/<int:sku_id>", methods=["GET", "POST"])
def edit_sku(sku_id: int):
    sku = db.session.get(Sku, sku_id)
    if sku is None:
        raise NotFound(_("No such SKU."))
    form = SkuForm(data={"product_name": sku.product.name, "sku": sku.sku, "name": sku.name,
                         "price": sku.price.to_decimal_string(), "currency": sku.currency,
                         "weight_grams": sku.weight_grams, "barcode": sku.barcode or "", "active": sku.active})
    if form.validate_on_submit() and (variant := form.variant()) is not None:
        try:
            service.update_product(db.session, sku.product_id, {"name": form.product_name.data})
            service.update_sku(db.session, sku_id, variant)
            db.session.commit()
        except DomainError as exc:
            _show_domain_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("catalog_console.list_products"))
    return render_template("catalog/product_form.html", form=form, title=_("Edit %(sku)s", sku=sku.sku))


@bp.route("/import", methods=["GET", "POST"])
def import_products():
    form, result = ImportForm(), None
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            flash(_("The file is not UTF-8 text."), "error")
        else:
            result = import_catalog_csv(db.session, text, f"user:{current_user.email}")
            db.session.commit()
    return render_template("catalog/import.html", form=form, result=result, columns=COLUMNS)


def _catalog_cards() -> list[dict]:
    value = service.count_products(db.session)
    db.session.rollback()  # read-only; on SQLite the transaction (BEGIN IMMEDIATE) holds the write lock
    return [{"label": _("Products"), "value": value, "href": url_for("catalog_console.list_products")}]


DASHBOARD_CARDS.append(_catalog_cards)
