"""Accounts: signup (a shop and its owner), users, API keys, staff invitations."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from saas import outbox
from saas.api.auth import SCOPES, new_key
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.extensions import utcnow
from tenants.context import TenantRef
from tenants.models import ApiKey, Invitation, Membership, Tenant, User
from tenants.provisioning import drop_tenant_schema, provision_tenant

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
INVITATION_LIFETIME = dt.timedelta(days=7)


@dataclass(frozen=True)
class SignupResult:
    tenant: TenantRef
    user_id: int
    email: str
    api_key: str


def _validate_signup(shop_name: str, email: str, password: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (shop_name or "").strip() or len(shop_name.strip()) > 120:
        errors["shop_name"] = ["Give your shop a name of 1 to 120 characters."]
    if not EMAIL_PATTERN.fullmatch(email or ""):
        errors["email"] = ["Enter a valid email address."]
    if len(password or "") < MIN_PASSWORD or len(password) > 200:
        errors["password"] = [f"Use at least {MIN_PASSWORD} characters."]
    return errors


def signup(session, shop_name: str, slug: str, email: str, password: str) -> SignupResult:
    """Create a shop (tenant, schema at head), its owner and a first admin API key, all or nothing.

    An existing user signing up again with the right password gets the new shop added to their account.
    """
    email = (email or "").strip().lower()
    errors = _validate_signup(shop_name, email, password)
    if errors:
        raise ValidationFailed("Some fields are invalid.", errors=errors)
    user = session.scalar(select(User).where(User.email == email))
    if user is not None and not check_password_hash(user.password_hash, password):
        raise Conflict("This email already has an account; log in to add a shop.",
                       errors={"email": ["Already registered. Log in to create another shop."]})
    tenant = provision_tenant(session, slug, shop_name)
    try:
        if user is None:
            user = User(email=email, password_hash=generate_password_hash(password))
            session.add(user)
            session.flush()
        session.add(Membership(user_id=user.id, tenant_id=tenant.id, role="owner"))
        _, plaintext = create_api_key(session, tenant.id, "Default key", list(SCOPES), created_by=email)
        result = SignupResult(tenant.ref(), user.id, email, plaintext)
        session.commit()
    except Exception:
        session.rollback()
        drop_tenant_schema(tenant.schema)
        raise
    return result


def authenticate(session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def membership(session, user_id: int, slug: str) -> Membership | None:
    return session.scalar(select(Membership).join(Tenant).where(
        Membership.user_id == user_id, Tenant.slug == slug, Tenant.status == "active"))


# --- API keys ---------------------------------------------------------------------------------

def create_api_key(session, tenant_id: int, name: str, scopes: list[str], created_by: str) -> tuple[ApiKey, str]:
    """Return the key row and its plaintext, which is shown once and never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValidationFailed("Unknown or missing scopes.",
                               errors={"scopes": [f"Choose from {', '.join(SCOPES)}."]})
    if not (name or "").strip():
        raise ValidationFailed("Name the key.", errors={"name": ["Required."]})
    plaintext, prefix, key_hash = new_key()
    key = ApiKey(tenant_id=tenant_id, name=name.strip()[:120], prefix=prefix, key_hash=key_hash,
                 scopes=sorted(set(scopes)), created_by=created_by)
    session.add(key)
    session.flush()
    return key, plaintext


def list_api_keys(session, tenant_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None))
                                .order_by(ApiKey.id.desc())))


def revoke_api_key(session, tenant_id: int, key_id: int) -> None:
    key = session.get(ApiKey, key_id)
    if key is None or key.tenant_id != tenant_id or key.revoked_at is not None:
        raise NotFound("No such API key.")
    key.revoked_at = utcnow()
    session.commit()


# --- staff invitations ------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_staff(session, tenant: TenantRef, email: str, invited_by: str, base_url: str) -> Invitation:
    """Create an invitation and queue its email; the link carries a one-time token valid for 7 days."""
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.fullmatch(email):
        raise ValidationFailed("Enter a valid email address.", errors={"email": ["Enter a valid email address."]})
    token = secrets.token_urlsafe(24)
    invitation = Invitation(tenant_id=tenant.id, email=email, role="staff", token_hash=_token_hash(token),
                            invited_by=invited_by, expires_at=utcnow() + INVITATION_LIFETIME)
    session.add(invitation)
    link = f"{base_url.rstrip('/')}/invite/{token}"
    outbox.queue_email(session, to=email, tenant_id=tenant.id,
                       subject=f"You are invited to {tenant.name} on Orderly",
                       body=f"{invited_by} invited you to help run {tenant.name} on Orderly.\n\n"
                            f"Accept within 7 days: {link}\n")
    session.commit()
    return invitation


def find_invitation(session, token: str) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token or "")))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise NotFound("This invitation is not valid any more. Ask for a new one.")
    return invitation


def accept_invitation(session, token: str, password: str, existing_user: User | None = None) -> tuple[User, Tenant]:
    """Join the inviting shop as staff, creating the user if the email has no account yet."""
    invitation = find_invitation(session, token)
    user = existing_user or session.scalar(select(User).where(User.email == invitation.email))
    if user is None:
        if len(password or "") < MIN_PASSWORD:
            raise ValidationFailed("Choose a password.", errors={"password": [f"Use at least {MIN_PASSWORD} characters."]})
        user = User(email=invitation.email, password_hash=generate_password_hash(password))
        session.add(user)
        session.flush()
    elif existing_user is None and not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed("Wrong password for this account.", errors={"password": ["Wrong password."]})
    if session.scalar(select(Membership).where(Membership.user_id == user.id,
                                               Membership.tenant_id == invitation.tenant_id)) is None:
        session.add(Membership(user_id=user.id, tenant_id=invitation.tenant_id, role=invitation.role))
    invitation.accepted_at = utcnow()
    session.commit()
    return user, session.get(Tenant, invitation.tenant_id)
