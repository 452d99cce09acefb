"""The SQLite databases the page benchmarks serve: the demo data topped up to 1 000 accounts ("small"), and the
demo data plus 500 000 accounts of 12 charges each ("big": issue 16's 500 000 accounts / 6 000 000 charges).

Both are built once and kept under instance/bench-cache/ (gitignored), named by a key over everything that shapes
their content: the migrations (so the alembic head), the demo data's code, bench/scale.py's `_fill` and the sizes.
A run serves a copy, so what the run writes (sessions of the bench's logins) never reaches the cached file.
A changed key rebuilds the file and removes the stale one. `BENCH_REBUILD=1` rebuilds anyway.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "instance" / "bench-cache"
CHARGES_PER_ACCOUNT = 12
# Accounts added to the 200 of the demo data.
SIZES = {"small": 800, "big": 500_000}
SECRET = "bench-secret-key-0123456789-abcdefghij"


def server_env(path: Path) -> dict:
    """The app's settings for a benchmark server (and for building its database)."""
    return {
        "VEZ_SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "VEZ_WTF_CSRF_SSL_STRICT": "false",
        "VEZ_SECRET_KEY": SECRET,
        "VEZ_MAIL_SEND_INLINE": "false",
    }


def cache_key(label: str) -> str:
    from bench import scale

    digest = hashlib.sha256()
    sources = sorted((ROOT / "migrations").rglob("*.py")) + sorted((ROOT / "vez" / "demo").rglob("*.py"))
    for source in sources:
        digest.update(str(source.relative_to(ROOT)).encode())
        digest.update(source.read_bytes())
    digest.update(inspect.getsource(scale._fill).encode())
    digest.update(f"{SIZES[label]}x{CHARGES_PER_ACCOUNT}".encode())
    return digest.hexdigest()[:12]


def alembic_head() -> str:
    heads = subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "vez", "db", "heads"],
        cwd=ROOT,
        env={**os.environ, **server_env(CACHE / "unused.sqlite3")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return heads[0] if heads else "none"


def _build(label: str, target: Path) -> dict:
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    env = {**os.environ, **server_env(building)}
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "vez"]
    started = time.perf_counter()
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo-data"], cwd=ROOT, env=env, check=True, capture_output=True)
    from sqlalchemy import func, select

    from bench.scale import _fill
    from vez import create_app
    from vez.extensions import db
    from vez.models import Charge, PersonalAccount

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{building}", "TESTING": True})
    with app.app_context():
        # Only the build is unsafe against a crash (the file is thrown away then); the served copy is not.
        db.session.connection().exec_driver_sql("PRAGMA synchronous=OFF")
        db.session.connection().exec_driver_sql("PRAGMA cache_size=-200000")
        _fill(SIZES[label], CHARGES_PER_ACCOUNT)
        meta = {
            "accounts": db.session.scalar(select(func.count(PersonalAccount.id))),
            "charges": db.session.scalar(select(func.count(Charge.id))),
        }
        db.session.remove()
        db.engine.dispose()
    meta["build_s"] = round(time.perf_counter() - started, 1)
    building.rename(target)
    return meta


def prepared(label: str, workdir: Path) -> tuple[Path, dict]:
    """A fresh copy of the cached database `label` in `workdir`, and what it holds."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = cache_key(label)
    cached = CACHE / f"{label}-{key}.sqlite3"
    meta_file = cached.with_suffix(".json")
    if os.environ.get("BENCH_REBUILD") == "1":
        cached.unlink(missing_ok=True)
    if cached.exists() and meta_file.exists():
        meta = {**json.loads(meta_file.read_text()), "cached": True}
    else:
        for stale in CACHE.glob(f"{label}-*"):
            stale.unlink()
        print(f"building the {label} database (once per schema and demo data) ...", flush=True)
        meta = {**_build(label, cached), "alembic_head": alembic_head(), "key": key}
        meta_file.write_text(json.dumps(meta))
        meta["cached"] = False
    copy = workdir / f"{label}.sqlite3"
    shutil.copyfile(cached, copy)
    return copy, {**meta, "file_mb": round(cached.stat().st_size / 2**20)}


if __name__ == "__main__":
    import tempfile

    for name in SIZES:
        print(name, prepared(name, Path(tempfile.mkdtemp(prefix="vez-bench-")))[1])
