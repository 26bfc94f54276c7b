"""``Idempotency-Key`` for every POST under /api: the first response (status and body) is stored and replayed
for 24 h; the same key with another body is refused (422); a repeat while the first is running gets 409."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import Flask, g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from saas.errors import Conflict, ValidationFailed, problem_response
from saas.extensions import db, utcnow
from tenants.context import current_tenant
from tenants.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)


def _request_fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:  # the same JSON document in another key order or spacing is the same body
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        pass
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + raw).hexdigest()


def _scope() -> str:
    tenant = current_tenant.get()
    return f"tenant:{tenant.id}" if tenant else f"client:{request.remote_addr}"


def _replay(record: IdempotencyRecord):
    response = Flask.response_class(record.response_body, status=record.status_code)
    for name, value in (record.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))


def before_request():
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or not request.path.startswith("/api/"):
        return None
    if not key.strip() or len(key) > 255:
        raise ValidationFailed("Idempotency-Key must be 1 to 255 characters.",
                               errors={HEADER: ["Must be 1 to 255 characters."]})
    scope, fingerprint = _scope(), _request_fingerprint()
    record = _find(scope, key)
    if record is not None and record.created_at < utcnow() - TTL:
        db.session.delete(record)
        db.session.commit()
        record = None
    if record is None:
        record = IdempotencyRecord(scope=scope, key=key, request_hash=fingerprint)
        db.session.add(record)
        try:
            db.session.commit()
            g.idempotency_record_id = record.id
            return None
        except IntegrityError:
            db.session.rollback()
            record = _find(scope, key)
    return _answer_repeat(record, fingerprint)


def _answer_repeat(record: IdempotencyRecord, fingerprint: str):
    if record.request_hash != fingerprint:
        raise ValidationFailed("This Idempotency-Key was used with a different request body.",
                               errors={HEADER: ["Already used with a different request."]})
    if record.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    return _replay(record)


def after_request(response):
    record_id = g.pop("idempotency_record_id", None)
    if record_id is None:
        return response
    db.session.rollback()  # whatever the view left unfinished is not ours to commit
    if response.status_code >= 500:
        # A server error is not an answer: let the client retry with the same key.
        db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    else:
        record = db.session.get(IdempotencyRecord, record_id)
        record.status_code = response.status_code
        record.response_body = response.get_data(as_text=True)
        record.response_headers = {k: v for k, v in response.headers.items()
                                   if k in ("Content-Type", "Location")}
    db.session.commit()
    return response


def purge_expired(session) -> int:
    """Drop records older than 24 h (run by the cron fan-out)."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - TTL))
    session.commit()
    return result.rowcount


def init_app(app: Flask) -> None:
    app.before_request(before_request)
    app.after_request(after_request)
