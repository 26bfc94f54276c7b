"""Console page of alerts: open and resolved tabs, a resolve button."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.alerts import service
from saas.console import tenant_blueprint
from saas.console.forms import EmptyForm
from saas.errors import DomainError
from saas.extensions import db

bp = tenant_blueprint("alerts_console", __name__, "/alerts")


@bp.route("/")
def list_alerts():
    status = "resolved" if request.args.get("status") == "resolved" else "open"
    alerts, cursor = service.list_alerts(db.session, status, request.args.get("type") or None, 50,
                                         request.args.get("cursor"))
    return render_template("alerts/alerts.html", alerts=alerts, status=status, next_cursor=cursor,
                           resolve_form=EmptyForm())


@bp.route("/<int:alert_id>/resolve", methods=["POST"])
def resolve(alert_id: int):
    if EmptyForm().validate_on_submit():
        try:
            service.resolve_alert_by_id(db.session, alert_id, f"user:{current_user.email}")
            db.session.commit()
            flash(_("Alert resolved."), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.detail, "error")
    return redirect(url_for("alerts_console.list_alerts"))
