from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange

from saas.api.auth import SCOPES


class SignupForm(FlaskForm):
    shop_name = StringField(_l("Shop name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Shop address"), validators=[DataRequired(), Length(min=3, max=40)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class NewShopForm(FlaskForm):
    shop_name = StringField(_l("Shop name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Shop address"), validators=[DataRequired(), Length(min=3, max=40)])
    password = PasswordField(_l("Your password"), validators=[DataRequired()])


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Key name"), validators=[DataRequired(), Length(max=120)])
    scopes = SelectMultipleField(_l("Scopes"), choices=list(SCOPES), validators=[DataRequired()])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])


class AcceptInviteForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])


class ShopSettingsForm(FlaskForm):
    name = StringField(_l("Shop name"), validators=[DataRequired(), Length(max=120)])
    payment_timeout_minutes = IntegerField(_l("Unpaid orders expire after (minutes)"),
                                           validators=[DataRequired(), NumberRange(min=5, max=7 * 24 * 60)])


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons (revoke, logout…)."""
