"""Email outbox: services queue mail in the database; a job sends it (SMTP, or files under instance/mail)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from rq import Retry

from saas.extensions import db, utcnow
from saas.jobs import enqueue_after_commit
from tenants.models import OutboxEmail


def queue_email(session, to: str, subject: str, body: str, tenant_id: int | None = None) -> OutboxEmail:
    """Store the message and send it from the ``notify`` queue after the transaction commits."""
    email = OutboxEmail(tenant_id=tenant_id, to=to, subject=subject, body_text=body)
    session.add(email)
    session.flush()
    enqueue_after_commit(session, "notify", send_outbox_email, email.id, tenant=None,
                         retry=Retry(max=3, interval=[10, 60, 300]))
    return email


def _message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.body_text)
    return message


def _deliver(message: EmailMessage, email_id: int) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        # Embedded default: a newcomer reads the mail as files.
        folder = Path(config["INSTANCE_PATH"]) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{email_id:06d}.eml").write_bytes(bytes(message))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def send_outbox_email(email_id: int) -> str:
    """Job: send one queued email once; a failure is recorded and re-raised so RQ can retry it."""
    email = db.session.get(OutboxEmail, email_id)
    if email is None or email.status == "sent":
        return "skipped"
    email.attempts += 1
    try:
        _deliver(_message(email), email.id)
    except Exception as exc:
        email.status, email.last_error = "failed", str(exc)[:2000]
        db.session.commit()
        raise
    email.status, email.sent_at, email.last_error = "sent", utcnow(), None
    db.session.commit()
    return "sent"
