"""Alerts (API.md 'Integrations, jobs': ``GET /alerts``, ``POST /alerts/{id}/resolve``)."""
from flask_smorest import Blueprint

from saas.alerts import service
from saas.alerts.schemas import AlertArgs, AlertOut, AlertPage
from saas.api.auth import api_actor, require_scope
from saas.extensions import db

blp = Blueprint("alerts_api", __name__, description="Alerts")
READ = ("orders:read", "orders:write", "inventory:read", "inventory:write")


@blp.route("/alerts", methods=["GET"])
@require_scope(*READ)
@blp.arguments(AlertArgs, location="query")
@blp.response(200, AlertPage)
def list_alerts(args):
    """Alerts newest first; filter with ``status`` (open/resolved) and ``type`` (low_stock, …)."""
    rows, cursor = service.list_alerts(db.session, args["status"], args["type"], args["limit"], args["cursor"])
    return {"items": rows, "next_cursor": cursor}


@blp.route("/alerts/<int:alert_id>/resolve", methods=["POST"])
@require_scope("orders:write", "inventory:write")
@blp.response(200, AlertOut)
def resolve(alert_id):
    """Mark an open alert resolved; an already resolved one is a 409."""
    alert = service.resolve_alert_by_id(db.session, alert_id, api_actor())
    db.session.commit()
    return alert
