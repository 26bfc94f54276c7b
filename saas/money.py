"""Money as an integer of minor units plus an ISO 4217 currency.

Floats never touch money: ¥19.99 is ``Money(1999, "CNY")``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Minor-unit exponents that differ from the usual 2 (ISO 4217). Unknown codes are refused.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3}
SUPPORTED_CURRENCIES = frozenset(
    {"CNY", "USD", "EUR", "GBP", "HKD", "TWD", "SGD", "AUD", "CAD", "NZD", "CHF", "SEK", "NOK", "DKK",
     "MYR", "THB", "PHP", "IDR", "INR", "MXN", "BRL", "ZAR", "AED", "SAR", "PLN", "CZK", "HUF", "TRY"}
    | set(_EXPONENTS)
)
MAX_AMOUNT = 10**13  # far above any real order, far below int64 limits


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit."""
    return _EXPONENTS.get(currency, 2)


@dataclass(frozen=True, order=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if self.currency not in SUPPORTED_CURRENCIES:
            raise ValueError(f"unsupported currency {self.currency!r}")

    def _same(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, quantity: int) -> "Money":
        return Money(self.amount * quantity, self.currency)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: str | Decimal, currency: str) -> "Money":
        """Parse a major-unit decimal string such as ``"88.88"`` (Alipay, Shopify) exactly."""
        scaled = Decimal(value).scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    def to_decimal_string(self) -> str:
        """Major units as a plain decimal string, e.g. ``"19.99"``."""
        places = exponent(self.currency)
        return f"{Decimal(self.amount).scaleb(-places):.{places}f}"

    def as_dict(self) -> dict:
        return {"amount": self.amount, "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"
