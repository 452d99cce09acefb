"""Letters a visitor's action mails (registration, resend, email change, "someone tried"): at most
LETTER_LIMIT_PER_RECIPIENT to one address, LETTER_LIMIT_PER_ADDRESS from one client address and, when a login
asks, LETTER_LIMIT_PER_LOGIN for it (docs/security.md, "Step 2 and letters"). Counted in the rate limiter's
storage when taken; `refund` when the letter was not queued after all.
"""

from __future__ import annotations

from vez.identity.limits import (
    LETTERS_PER_ADDRESS,
    LETTERS_PER_LOGIN,
    LETTERS_PER_RECIPIENT,
    Limit,
    refund_all,
    take_all,
)


def _limits(recipient: str, ip: str | None, user_id: int | None = None) -> list[tuple[Limit, str]]:
    limits = [(LETTERS_PER_RECIPIENT, recipient.strip().casefold()[:254]), (LETTERS_PER_ADDRESS, ip or "")]
    if user_id is not None:
        limits.append((LETTERS_PER_LOGIN, str(user_id)))
    return limits


def take(recipient: str, ip: str | None, user_id: int | None = None) -> bool:
    """One more letter to `recipient` may be queued (counted now); False over any limit: queue nothing."""
    return take_all(*_limits(recipient, ip, user_id))


def refund(recipient: str, ip: str | None, user_id: int | None = None) -> None:
    """The letter taken was not queued after all (the transaction was rolled back)."""
    refund_all(*_limits(recipient, ip, user_id))
