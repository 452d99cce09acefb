"""Liveness and readiness (docs/security.md I44, "Liveness and readiness").

Alive is this process answering; it never asks the database, or every host would be restarted during a database
outage. Ready is every dependency the app is configured with answering: the database, and each Redis (the
rate-limit storage when it is one, the job queue's, the page cache's). The checks run side by side, each given
`CHECK_SECONDS`; one that has not answered by then counts as "timeout", so the answer never takes longer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial
from typing import Any

import redis
from limits.storage import storage_from_string
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, text

log = logging.getLogger("vez.health")

CHECK_SECONDS = 2.0
OK, UNREACHABLE, TIMEOUT = "ok", "unreachable", "timeout"


def _database(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _redis(url: str) -> None:
    client = redis.Redis.from_url(
        url, socket_timeout=CHECK_SECONDS, socket_connect_timeout=CHECK_SECONDS, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.ping()
    finally:
        client.close()


def _rate_limits(uri: str, options: Mapping[str, Any]) -> None:
    storage = storage_from_string(
        uri, **{**options, "socket_timeout": CHECK_SECONDS, "socket_connect_timeout": CHECK_SECONDS}
    )
    if not storage.check():
        raise ConnectionError(f"the rate-limit storage {uri.partition('://')[0]}:// does not answer")


def checks(engine: Engine, config: Mapping[str, Any]) -> dict[str, Callable[[], None]]:
    """What this app depends on, by name: the database and every configured Redis."""
    found: dict[str, Callable[[], None]] = {"database": partial(_database, engine)}
    limits_uri = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if "redis" in limits_uri.partition("://")[0].lower():
        found["rate_limits"] = partial(_rate_limits, limits_uri, config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if config.get("JOBS_REDIS_URL"):
        found["jobs"] = partial(_redis, config["JOBS_REDIS_URL"])
    if config.get("CACHE_REDIS_URL"):
        found["cache"] = partial(_redis, config["CACHE_REDIS_URL"])
    return found


def readiness(engine: Engine, config: Mapping[str, Any]) -> dict[str, str]:
    """Each check by name: "ok", "unreachable" or "timeout", in at most CHECK_SECONDS."""
    todo = checks(engine, config)
    pool = ThreadPoolExecutor(max_workers=len(todo), thread_name_prefix="vez-readyz")
    futures = {name: pool.submit(check) for name, check in todo.items()}
    done, _pending = wait(futures.values(), timeout=CHECK_SECONDS)
    pool.shutdown(wait=False, cancel_futures=True)  # a check still hanging ends on its own socket timeout
    results = {}
    for name, future in futures.items():
        if future not in done:
            results[name] = TIMEOUT
        elif (error := future.exception()) is not None:
            results[name] = UNREACHABLE
            log.warning("readiness: %s unreachable (%s: %s)", name, error.__class__.__name__, error)
        else:
            results[name] = OK
    for name, result in results.items():
        if result == TIMEOUT:
            log.warning("readiness: %s did not answer within %s s", name, CHECK_SECONDS)
    return results
