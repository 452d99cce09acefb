"""Writing the audit log. The event joins the caller's transaction: it commits with the change it records."""

from __future__ import annotations

import logging
from typing import Any

from vez.extensions import db
from vez.models import AuditEvent

security_log = logging.getLogger("vez.security")


def record(
    action: str,
    *,
    actor_id: int | None = None,
    ip: str | None = None,
    target: Any = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the session; `target` may be a model instance (its table and id are taken)."""
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id if target_id is not None else target.id
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        ip=ip,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        data=data or None,
    )
    db.session.add(event)
    security_log.info("%s actor=%s ip=%s target=%s:%s %s", action, actor_id, ip, target_type, target_id, data)
    return event
