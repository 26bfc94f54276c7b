"""Tenancy: the control plane (schema ``shared``), per-tenant schema routing, provisioning and migrations."""
