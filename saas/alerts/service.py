"""Raising and resolving alerts. Any domain calls ``raise_alert``; it never commits (the caller does), and
notifications (plugin hook, owner email) go out only once the caller's transaction commits."""
from __future__ import annotations

from sqlalchemy import func, select, text, update

from saas.alerts.models import SEVERITIES, Alert
from saas.api.pagination import paginate
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.events import fire_after_commit
from saas.extensions import utcnow
from saas.insert_ignore import insert_ignoring_conflict
from saas.outbox import queue_email
from tenants.context import require_tenant
from tenants.models import Membership, User


def raise_alert(session, type: str, dedupe_key: str, subject: str, message: str, severity: str = "warning",
                data: dict | None = None, notify_buyer_email: str | None = None) -> Alert | None:
    """Open an alert unless one of the same ``type`` and ``dedupe_key`` is already open.

    Returns the new alert, or None when it was already open (nobody is notified twice). After commit the
    ``orderly_alert_raised`` hook fires and the shop owners (and ``notify_buyer_email``, if given) get mail.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}")
    values = {"type": type, "dedupe_key": dedupe_key, "subject": subject[:200], "message": message,
              "severity": severity, "data": data or {}, "status": "open", "created_at": utcnow()}
    alert_id = insert_ignoring_conflict(session, Alert.__table__, values, ["type", "dedupe_key"],
                                        index_where=text("status = 'open'"))
    if alert_id is None:
        return None
    alert = session.get(Alert, alert_id)
    _notify(session, alert, notify_buyer_email)
    return alert


def _notify(session, alert: Alert, buyer_email: str | None) -> None:
    payload = {"id": alert.id, "type": alert.type, "severity": alert.severity, "subject": alert.subject,
               "message": alert.message, "data": alert.data}
    fire_after_commit(session, "orderly_alert_raised", alert=payload)
    tenant = require_tenant()
    title = f"[{tenant.name}] {alert.type.replace('_', ' ')}: {alert.subject}"
    for email in owner_emails(session, tenant.id):
        queue_email(session, email, title, alert.message, tenant_id=tenant.id)
    if buyer_email:
        queue_email(session, buyer_email, f"{tenant.name}: {alert.message[:120]}", alert.message,
                    tenant_id=tenant.id)


def owner_emails(session, tenant_id: int) -> list[str]:
    return list(session.scalars(select(User.email).join(Membership, Membership.user_id == User.id)
                                .where(Membership.tenant_id == tenant_id, Membership.role == "owner")))


def resolve_alert(session, type: str, dedupe_key: str, by: str) -> Alert | None:
    """Resolve the open alert of ``type``/``dedupe_key`` if there is one (a no-op otherwise)."""
    alert = session.scalar(select(Alert).where(Alert.type == type, Alert.dedupe_key == dedupe_key,
                                               Alert.status == "open"))
    if alert is not None:
        _mark_resolved(session, alert, by)
    return alert


def resolve_alert_by_id(session, alert_id: int, by: str) -> Alert:
    """Resolve one alert by id (console/API); resolving a resolved alert is a 409."""
    alert = get_alert(session, alert_id)
    if alert.status != "open":
        raise Conflict("This alert is already resolved.")
    _mark_resolved(session, alert, by)
    return alert


def _mark_resolved(session, alert: Alert, by: str) -> None:
    # Conditional, so two people resolving at once cannot both "win" and overwrite resolved_by.
    changed = session.execute(update(Alert.__table__).where(Alert.id == alert.id, Alert.status == "open")
                              .values(status="resolved", resolved_at=utcnow(), resolved_by=by[:120]))
    if changed.rowcount == 0:
        raise Conflict("This alert is already resolved.")
    session.refresh(alert)


def get_alert(session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("No such alert.")
    return alert


def list_alerts(session, status: str | None = None, type: str | None = None, limit: int = 50,
                cursor: str | None = None):
    """Alerts newest first, filtered by ``status`` (open/resolved) and ``type``; returns (rows, cursor)."""
    if status not in (None, "open", "resolved"):
        raise ValidationFailed("Unknown status.", errors={"status": ["Use open or resolved."]})
    stmt = select(Alert)
    if status:
        stmt = stmt.where(Alert.status == status)
    if type:
        stmt = stmt.where(Alert.type == type)
    return paginate(session, stmt, Alert.id, limit, cursor)


def count_open(session, type: str | None = None) -> int:
    stmt = select(func.count(Alert.id)).where(Alert.status == "open")
    if type:
        stmt = stmt.where(Alert.type == type)
    return session.scalar(stmt) or 0
