from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from saas.extensions import BigId, UTCDateTime, db, utcnow

SEVERITIES = ("info", "warning", "critical")


class Alert(db.Model):
    """Something a merchant should look at. At most one open alert per (type, dedupe_key): the partial
    unique index makes that hold even when two transactions raise the same alert at once."""
    __tablename__ = "alerts"
    __table_args__ = (
        Index("uq_alerts_open_type_dedupe_key", "type", "dedupe_key", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        Index("ix_alerts_status_type", "status", "type"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="warning")
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
