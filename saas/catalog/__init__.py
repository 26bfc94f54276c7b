"""Catalogue: products and their variants (SKUs)."""
