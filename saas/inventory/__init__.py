"""Inventory: warehouses, stock levels, the stock ledger, reservations and purchase orders."""
