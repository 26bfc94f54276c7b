"""Public console pages: landing, signup, login/logout, language, invitations, choosing a shop."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from saas.accounts import service
from saas.console.forms import AcceptInviteForm, EmptyForm, LoginForm, NewShopForm, SignupForm
from saas.errors import DomainError
from saas.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect would turn our login page into a phishing tool.
    if target and urlparse(target).netloc in ("", request.host) and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return None


def _show_domain_error(form, exc: DomainError) -> None:
    """Put a service's field errors next to the fields, and its message at the top. Input is kept."""
    for field, messages in (exc.errors or {}).items():
        if field in form._fields:
            form._fields[field].errors = list(form._fields[field].errors) + list(messages)
    flash(exc.detail, "error")


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.shops"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            result = service.signup(db.session, form.shop_name.data, form.slug.data.strip(), form.email.data,
                                    form.password.data)
        except DomainError as exc:
            db.session.rollback()
            _show_domain_error(form, exc)
        else:
            login_user(db.session.get(service.User, result.user_id))
            flash(_("Welcome to Orderly! Your shop is ready. Your first API key: %(key)s — copy it now, "
                    "it will not be shown again.", key=result.api_key), "success")
            return redirect(url_for("console.dashboard", slug=result.tenant.slug))
    return render_template("auth/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong email or password."), "error")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.shops"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/shops")
@login_required
def shops():
    """Every shop the user belongs to; with only one, go straight to it."""
    memberships = [m for m in current_user.memberships if m.tenant.status == "active"]
    if len(memberships) == 1 and not request.args.get("all"):
        return redirect(url_for("console.dashboard", slug=memberships[0].tenant.slug))
    return render_template("auth/shops.html", memberships=memberships)


@bp.route("/shops/new", methods=["GET", "POST"])
@login_required
def new_shop():
    form = NewShopForm()
    if form.validate_on_submit():
        try:
            result = service.signup(db.session, form.shop_name.data, form.slug.data.strip(), current_user.email,
                                    form.password.data)
        except DomainError as exc:
            db.session.rollback()
            _show_domain_error(form, exc)
        else:
            flash(_("Your new shop is ready."), "success")
            return redirect(url_for("console.dashboard", slug=result.tenant.slug))
    return render_template("auth/new_shop.html", form=form)


@bp.route("/lang/<code>", methods=["GET"])
def set_language(code: str):
    response = redirect(_safe_next(request.args.get("next")) or url_for("auth.index"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    try:
        invitation = service.find_invitation(db.session, token)
    except DomainError as exc:
        return render_template("errors/error.html", status=404, title=_("Invitation"), detail=exc.detail), 404
    form = AcceptInviteForm()
    signed_in = current_user.is_authenticated and current_user.email == invitation.email
    if (signed_in and request.method == "POST" and EmptyForm().validate_on_submit()) or form.validate_on_submit():
        try:
            user, tenant = service.accept_invitation(db.session, token, form.password.data,
                                                     current_user if signed_in else None)
        except DomainError as exc:
            db.session.rollback()
            _show_domain_error(form, exc)
        else:
            login_user(user)
            return redirect(url_for("console.dashboard", slug=tenant.slug))
    return render_template("auth/invite.html", form=form, invitation=invitation, signed_in=signed_in)
