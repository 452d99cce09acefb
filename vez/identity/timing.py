"""The answer-time pad: an answer that must not tell what matched takes the same time either way
(docs/security.md B, C)."""

from __future__ import annotations

import time

from flask import current_app


def pad_answer_time(started: float, config_key: str) -> None:
    """Sleep until the configured answer time has passed since `started` (time.monotonic())."""
    remaining = current_app.config[config_key] - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
