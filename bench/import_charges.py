"""Importing 1 000 000 charge rows from CSV, on SQLite and on PostgreSQL (budget: 60 s each).

`run()` makes 100 000 personal accounts, writes a CSV of 10 months of charges for each, and times
`flask import charges` (the same function, in process) on a fresh SQLite file and, when PostgreSQL is
reachable (`VEZ_BENCH_DATABASE_URL`, else `scripts/pg-throwaway start`), on a fresh PostgreSQL database.
The second run of the same file (idempotence: nothing new) is timed too.
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ACCOUNTS = 100_000
MONTHS = 10
BUDGET_S = 60
ROOT = Path(__file__).resolve().parent.parent


def _accounts() -> list[str]:
    rng = random.Random(7)
    numbers: set[str] = set()
    while len(numbers) < ACCOUNTS:
        numbers.add(f"5{rng.randrange(10**8):08d}")
    return sorted(numbers)


def write_csv(path: Path, numbers: list[str]) -> int:
    rng = random.Random(11)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("number,month,volume,unit,tariff,amount,reading_start,reading_end\n")
        for month in range(1, MONTHS + 1):
            for number in numbers:
                volume = rng.randrange(50, 600)
                start = rng.randrange(1000, 90000)
                f.write(
                    f"{number},2025-{month:02d},{volume},kWh,4.32,{volume * 432 // 100}.{volume * 432 % 100:02d},"
                    f"{start},{start + volume}\n"
                )
                rows += 1
    return rows


def _app(url: str):
    from vez import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})


def _prepare(app, numbers: list[str]) -> None:
    from vez.extensions import db
    from vez.models import BranchKind, PersonalAccount, Service, Subdivision

    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        db.session.add(
            Subdivision(
                code="108",
                name_uk="Любешівська філія",
                name_en="Liubeshiv branch",
                service=Service.electricity,
                kind=BranchKind.district,
            )
        )
        db.session.commit()
        db.session.execute(
            insert(PersonalAccount),
            [
                {
                    "number": n,
                    "subdivision_id": 1,
                    "service": Service.electricity,
                    "holder_name": "Петренко Степан",
                    "address": "смт Любешів",
                    "meter_number": "1",
                    "balance": 0,
                }
                for n in numbers
            ],
        )
        db.session.commit()


def _measure(app, csv_path: Path) -> dict:
    from vez.admin.importing import new_run, run_import
    from vez.extensions import db

    result = {}
    with app.app_context():
        for attempt in ("first", "again"):
            run = new_run("charges", str(csv_path), dry_run=False, skip_bad=False, actor_id=None)
            started = time.perf_counter()
            done = run_import(run.id, csv_path)
            seconds = time.perf_counter() - started
            result[attempt] = {
                "status": done.status.value,
                "rows": done.rows_checked,
                "written": done.rows_written,
                "seconds": round(seconds, 1),
                "rows_per_s": int(done.rows_checked / seconds),
                "within_budget": seconds <= BUDGET_S and done.status.value == "done",
            }
        result["charges_in_db"] = db.session.scalar(text("SELECT count(*) FROM charges"))
        db.session.commit()  # no open transaction may wait on drop_all
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return result


def _postgres_url() -> str | None:
    url = os.environ.get("VEZ_BENCH_DATABASE_URL")
    if url:
        return url
    try:
        out = (
            subprocess.run(
                [str(ROOT / "scripts" / "pg-throwaway"), "start"],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            .stdout.strip()
            .splitlines()
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if not out:
        return None
    base = make_url(out[-1])
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'vez_bench'")):
            conn.execute(text('CREATE DATABASE "vez_bench"'))
    admin.dispose()
    return base.set(database="vez_bench").render_as_string(hide_password=False)


def run() -> dict:
    numbers = _accounts()
    results: dict = {"rows": ACCOUNTS * MONTHS, "budget_s": BUDGET_S}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "charges.csv"
        started = time.perf_counter()
        write_csv(csv_path, numbers)
        results["csv_mb"] = round(csv_path.stat().st_size / 2**20, 1)
        results["csv_written_s"] = round(time.perf_counter() - started, 1)

        app = _app(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        _prepare(app, numbers)
        results["sqlite"] = _measure(app, csv_path)

        url = _postgres_url()
        if url:
            app = _app(url)
            _prepare(app, numbers)
            results["postgresql"] = _measure(app, csv_path)
        else:
            results["postgresql"] = "skipped: no PostgreSQL (scripts/pg-throwaway)"
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
