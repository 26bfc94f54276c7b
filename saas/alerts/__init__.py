"""Alerts raised by the domains (low stock, payment failed, tracking stalled…)."""
