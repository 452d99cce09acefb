"""The attempt limits' counters (docs/security.md, "Race-free limits"): one row per limit and key.

`hits` holds the moments (Unix seconds) of the attempts still inside the limit's moving window, oldest
first; the row is locked (an upsert) while one attempt is decided, so every worker and host counts the same.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vez.models.base import Base, utcnow


class LimitCounter(Base):
    __tablename__ = "limit_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. "login", "identify-account"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # a login, an account id, an address or /64
    hits: Mapped[str] = mapped_column(Text, default="")  # "1767261600.125 1767261601.5", oldest first
    expires_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the newest hit + the window
