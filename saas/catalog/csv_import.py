"""Importing products and opening stock from CSV (console). Each row is its own savepoint: a bad row leaves
nothing behind, good rows are kept, and every bad row is reported with its line number and reason."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from saas.catalog.models import Sku
from saas.catalog.service import create_product, find_sku, update_sku
from saas.errors import DomainError
from saas.inventory.service import receive_stock
from saas.money import Money

COLUMNS = ("sku", "name", "price", "currency", "weight_grams", "barcode", "warehouse", "quantity")
REQUIRED = ("sku", "name", "price", "currency")


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


class RowError(ValueError):
    """A reason a single CSV row cannot be imported."""


def import_catalog_csv(session, text: str, actor: str) -> ImportResult:
    """Create or update one SKU per row (price is a decimal in major units, e.g. 19.99) and, when
    ``warehouse`` and ``quantity`` are given, receive that opening stock. Does not commit."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    result = ImportResult()
    if missing:
        result.errors.append((1, "missing columns: " + ", ".join(missing)))
        return result
    for row in reader:
        line = reader.line_num
        savepoint = session.begin_nested()
        try:
            _import_row(session, {k: (v or "").strip() for k, v in row.items() if k}, actor)
            savepoint.commit()
            result.imported += 1
        except (RowError, DomainError) as exc:
            savepoint.rollback()
            result.errors.append((line, _reason(exc)))
    return result


def _reason(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        return "; ".join(f"{k.split('.')[-1]}: {' '.join(v)}" for k, v in errors.items())
    return getattr(exc, "detail", None) or str(exc)


def _int(value: str, name: str, default: int | None = None) -> int:
    if value == "" and default is not None:
        return default
    try:
        return int(value)
    except ValueError:
        raise RowError(f"{name} must be a whole number, not {value!r}") from None


def _import_row(session, row: dict, actor: str) -> None:
    try:
        price = Money.from_decimal(row["price"], row["currency"].upper())
    except Exception:
        raise RowError(f"price {row['price']!r} {row['currency']!r} is not a valid amount and currency") from None
    variant = {"sku": row["sku"], "name": row["name"], "price": price,
               "weight_grams": _int(row.get("weight_grams", ""), "weight_grams", 0),
               "barcode": row.get("barcode") or None}
    existing: Sku | None = find_sku(session, row["sku"])
    if existing is None:
        create_product(session, row["name"], [variant])
    else:
        update_sku(session, existing.id, variant)
    if row.get("warehouse") or row.get("quantity"):
        if not row.get("warehouse"):
            raise RowError("quantity given without a warehouse")
        quantity = _int(row.get("quantity", ""), "quantity")
        if quantity:
            receive_stock(session, row["sku"], row["warehouse"], quantity, "opening_stock", "csv_import", actor)
