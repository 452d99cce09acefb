"""Counting failures against limits, in the rate limiter's storage (memory in development, Redis in production).

Only failures are counted (SECURITY.md: a limit must stop a script, not a town behind one carrier NAT).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse

from vez.extensions import limiter


@dataclass(frozen=True)
class Throttle:
    """A named limit from the configuration, e.g. Throttle("login", "LOGIN_LIMIT_PER_LOGIN")."""

    name: str
    config_key: str

    @property
    def item(self) -> RateLimitItem:
        return parse(current_app.config[self.config_key])

    def allowed(self, key: str) -> bool:
        return limiter.limiter.test(self.item, self.name, key)

    def hit(self, key: str) -> bool:
        """Count one failure; False when this one went over the limit."""
        return limiter.limiter.hit(self.item, self.name, key)

    def reset(self, key: str) -> None:
        limiter.limiter.clear(self.item, self.name, key)
