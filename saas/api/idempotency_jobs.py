"""Periodic housekeeping for idempotency records."""
from saas.api.idempotency import purge_expired
from saas.extensions import db


def purge_expired_records() -> int:
    return purge_expired(db.session)
