"""Catalogue rules: products, their variants (SKUs), prices. Services flush, never commit: the caller owns
the transaction."""
from __future__ import annotations

import re

from sqlalchemy import func, or_, select

from saas.api.pagination import paginate
from saas.catalog.models import Product, Sku
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.money import MAX_AMOUNT, SUPPORTED_CURRENCIES, Money

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
VARIANT_FIELDS = ("sku", "name", "price", "weight_grams", "barcode", "active")


def variant_errors(data: dict, prefix: str = "") -> dict[str, list[str]]:
    """Field errors of one variant dict (``price`` as Money or {"amount","currency"}); empty when valid."""
    errors: dict[str, list[str]] = {}
    if "sku" in data and not SKU_PATTERN.match(str(data["sku"] or "")):
        errors[f"{prefix}sku"] = ["Use 1-64 letters, digits, '.', '_', '/' or '-'."]
    if "name" in data and not (data["name"] or "").strip():
        errors[f"{prefix}name"] = ["A name is required."]
    if "price" in data:
        price = _as_money_or_none(data["price"])
        if price is None or not 0 <= price.amount <= MAX_AMOUNT:
            errors[f"{prefix}price"] = ["Give {amount: minor units >= 0, currency: ISO 4217 code}."]
    weight = data.get("weight_grams", 0)
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 1_000_000:
        errors[f"{prefix}weight_grams"] = ["Whole grams between 0 and 1,000,000."]
    return errors


def _as_money_or_none(value) -> Money | None:
    if isinstance(value, Money):
        return value
    try:
        if value["currency"] not in SUPPORTED_CURRENCIES:
            return None
        return Money(value["amount"], value["currency"])
    except (KeyError, TypeError, ValueError):
        return None


def _ensure_sku_free(session, code: str, field: str, except_id: int | None = None) -> None:
    existing = session.scalar(select(Sku.id).where(Sku.sku == code))
    if existing is not None and existing != except_id:
        raise Conflict(f"SKU {code} already exists.", errors={field: ["This SKU is already used."]})


def _apply_variant(sku: Sku, data: dict) -> None:
    for field in ("sku", "name", "weight_grams", "barcode", "active"):
        if field in data:
            setattr(sku, field, data[field].strip() if field == "name" else data[field])
    if "price" in data:
        price = _as_money_or_none(data["price"])
        sku.price_amount, sku.currency = price.amount, price.currency


def _check_variants(session, variants: list[dict], product: Product | None = None) -> None:
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, variant in enumerate(variants):
        errors.update(variant_errors(variant, f"variants.{i}."))
        if variant.get("sku") in seen:
            errors[f"variants.{i}.sku"] = ["The same SKU appears twice."]
        seen.add(variant.get("sku"))
    if errors:
        raise ValidationFailed("Some variants are invalid.", errors=errors)


def create_product(session, name: str, variants: list[dict], active: bool = True) -> Product:
    """Create a product with at least one variant; each ``sku`` must be new in the shop (409 otherwise)."""
    if not (name or "").strip():
        raise ValidationFailed("A product needs a name.", errors={"name": ["A name is required."]})
    if not variants:
        raise ValidationFailed("A product needs a variant.", errors={"variants": ["Give at least one SKU."]})
    missing = {f"variants.{i}.{f}": ["Missing data for required field."]
               for i, v in enumerate(variants) for f in ("sku", "name", "price") if f not in v}
    if missing:
        raise ValidationFailed("Some variants are incomplete.", errors=missing)
    _check_variants(session, variants)
    for i, variant in enumerate(variants):
        _ensure_sku_free(session, variant["sku"], f"variants.{i}.sku")
    product = Product(name=name.strip(), active=active)
    for variant in variants:
        sku = Sku(weight_grams=0, active=True)
        _apply_variant(sku, variant)
        product.variants.append(sku)
    session.add(product)
    session.flush()
    return product


def update_product(session, product_id: int, changes: dict) -> Product:
    """Change name/active; ``variants`` are matched by ``sku``: known ones are updated, new ones added."""
    product = get_product(session, product_id)
    if "name" in changes:
        if not (changes["name"] or "").strip():
            raise ValidationFailed("A product needs a name.", errors={"name": ["A name is required."]})
        product.name = changes["name"].strip()
    if "active" in changes:
        product.active = bool(changes["active"])
    variants = changes.get("variants") or []
    _check_variants(session, variants)
    by_code = {v.sku: v for v in product.variants}
    for i, variant in enumerate(variants):
        sku = by_code.get(variant.get("sku"))
        if sku is None:
            _add_variant(session, product, variant, i)
        else:
            _apply_variant(sku, variant)
    session.flush()
    return product


def _add_variant(session, product: Product, variant: dict, index: int) -> None:
    missing = [f for f in ("sku", "name", "price") if f not in variant]
    if missing:
        raise ValidationFailed("A new variant is incomplete.",
                               errors={f"variants.{index}.{f}": ["Required for a new SKU."] for f in missing})
    _ensure_sku_free(session, variant["sku"], f"variants.{index}.sku")
    sku = Sku(weight_grams=0, active=True)
    _apply_variant(sku, variant)
    product.variants.append(sku)


def update_sku(session, sku_id: int, changes: dict) -> Sku:
    """Edit one variant (console edit page); the SKU code may change if the new one is free."""
    sku = session.get(Sku, sku_id)
    if sku is None:
        raise NotFound("No such SKU.")
    errors = variant_errors(changes)
    if errors:
        raise ValidationFailed("The SKU is invalid.", errors=errors)
    if "sku" in changes:
        _ensure_sku_free(session, changes["sku"], "sku", except_id=sku.id)
    _apply_variant(sku, changes)
    session.flush()
    return sku


def get_product(session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def list_products(session, q: str | None = None, limit: int = 50, cursor: str | None = None):
    """Products newest first; ``q`` matches product name, variant name, SKU or barcode."""
    stmt = select(Product)
    if q:
        like = f"%{q.strip().lower()}%"
        matching = select(Sku.product_id).where(or_(func.lower(Sku.sku).like(like), func.lower(Sku.name).like(like),
                                                    func.lower(Sku.barcode).like(like)))
        stmt = stmt.where(or_(func.lower(Product.name).like(like), Product.id.in_(matching)))
    return paginate(session, stmt, Product.id, limit, cursor)


def find_sku(session, code: str) -> Sku | None:
    return session.scalar(select(Sku).where(Sku.sku == code))


def sku_choices(session, limit: int = 500) -> list[tuple[str, str]]:
    """(SKU code, "product · variant") of active SKUs, for pickers; capped, a big catalogue searches instead."""
    rows = session.execute(select(Sku.sku, Product.name, Sku.name).join(Product)
                           .where(Sku.active, Product.active).order_by(Sku.sku).limit(limit))
    return [(code, f"{product} · {variant}") for code, product, variant in rows]


def count_products(session) -> int:
    return session.scalar(select(func.count(Product.id))) or 0
