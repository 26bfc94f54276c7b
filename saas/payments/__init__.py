"""Payments: an attempt per try, gateway notifications stored raw and applied once, refunds through the
gateway of the payment they refund (DESIGN.md 'Payments')."""
