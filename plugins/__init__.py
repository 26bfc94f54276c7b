"""Orderly's bundled plugins: one small package per gateway, courier or marketplace (see docs/plugins.md)."""
