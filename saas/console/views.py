"""Tenant console pages of the shell: dashboard and settings (shop, API keys, team)."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.accounts import service
from saas.console import DASHBOARD_CARDS, tenant_blueprint
from saas.console.forms import ApiKeyForm, EmptyForm, InviteForm, ShopSettingsForm
from saas.errors import DomainError
from saas.extensions import db
from saas import settings as shop_settings

bp = tenant_blueprint("console", __name__)


@bp.route("/")
def dashboard():
    cards = [card for provider in DASHBOARD_CARDS for card in provider()]
    return render_template("console/dashboard.html", cards=cards)


def _require_owner():
    if g.membership_role != "owner":
        abort(403)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = ShopSettingsForm(data={"name": g.tenant.name,
                                  "payment_timeout_minutes": shop_settings.payment_timeout(g.tenant) // 60})
    if form.validate_on_submit():
        _require_owner()
        shop_settings.update_shop(db.session, g.tenant.id, name=form.name.data,
                                  payment_timeout_seconds=form.payment_timeout_minutes.data * 60)
        flash(_("Settings saved."), "success")
        return redirect(url_for("console.settings"))
    return render_template("console/settings.html", form=form)


@bp.route("/settings/api-keys", methods=["GET", "POST"])
def api_keys():
    _require_owner()
    form, new_key = ApiKeyForm(), None
    if form.validate_on_submit():
        try:
            _, new_key = service.create_api_key(db.session, g.tenant.id, form.name.data, form.scopes.data,
                                                created_by=current_user.email)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.detail, "error")
    keys = service.list_api_keys(db.session, g.tenant.id)
    return render_template("console/api_keys.html", form=form, keys=keys, new_key=new_key,
                           revoke_form=EmptyForm(), base_url=current_app.config["ORDERLY_BASE_URL"])


@bp.route("/settings/api-keys/<int:key_id>/revoke", methods=["POST"])
def revoke_api_key(key_id: int):
    _require_owner()
    if EmptyForm().validate_on_submit():
        service.revoke_api_key(db.session, g.tenant.id, key_id)
        flash(_("The key was revoked."), "success")
    return redirect(url_for("console.api_keys"))


@bp.route("/settings/team", methods=["GET", "POST"])
def team():
    _require_owner()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            service.invite_staff(db.session, g.tenant, form.email.data, current_user.email,
                                 current_app.config["ORDERLY_BASE_URL"])
        except DomainError as exc:
            db.session.rollback()
            flash(exc.detail, "error")
        else:
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("console.team"))
    return render_template("console/team.html", form=form, members=shop_settings.members(db.session, g.tenant.id))
