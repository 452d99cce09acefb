"""Writing the audit log. The event joins the caller's transaction: it commits with the change it records.

Each event is also a record of the `vez.security` logger, which vez.logs writes as one JSON line (time, event,
actor, ip, target, request id, data): docs/security.md, "Sessions bound to a second factor", security log.
Events never carry a token or a password: the callers pass ids, outcomes and reasons only.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import insert

from vez.extensions import db
from vez.models import AuditEvent, utcnow

security_log = logging.getLogger("vez.security")


def _fields(action, actor_id, ip, target, target_type, target_id, data, company_id=None) -> dict[str, Any]:
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id if target_id is not None else target.id
    return {
        "action": action,
        "actor_id": actor_id,
        "ip": ip,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "data": data or None,
        "company_id": company_id,
    }


def _log(fields: dict[str, Any]) -> None:
    security_log.info(
        "%s actor=%s ip=%s target=%s:%s %s",
        fields["action"],
        fields["actor_id"],
        fields["ip"],
        fields["target_type"],
        fields["target_id"],
        fields["data"] or {},
        extra={"audit": fields},
    )


def record(
    action: str,
    *,
    actor_id: int | None = None,
    ip: str | None = None,
    target: Any = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    company_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the session; `target` may be a model instance (its table and id are taken).

    `company_id`: the company the event belongs to, so that it shows in that company's own audit list."""
    fields = _fields(action, actor_id, ip, target, target_type, target_id, data, company_id)
    event = AuditEvent(**fields)
    db.session.add(event)
    _log(fields)
    return event


def record_now(
    action: str,
    *,
    actor_id: int | None = None,
    ip: str | None = None,
    target: Any = None,
    **data: Any,
) -> None:
    """An event that stays whatever the request's transaction does: written at once, in a transaction of its own.

    For what happens before any view runs (a login restored from a remember cookie, at the first look at
    current_user), where no view owns the outcome (docs/architecture.md, "Who commits").
    """
    fields = _fields(action, actor_id, ip, target, None, None, data)
    with db.engine.begin() as connection:
        connection.execute(insert(AuditEvent).values(at=utcnow(), **fields))
    _log(fields)
