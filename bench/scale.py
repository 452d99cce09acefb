"""`/cabinet` with 500 000 accounts and 6 000 000 charges against 1 000 accounts.

The budget (docs/performance.md): ± 20 %.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select

from vez import create_app
from vez.demo import create_demo_data
from vez.extensions import db
from vez.models import Charge, PersonalAccount, Service, Subdivision

BATCH = 50_000


def _fill(accounts: int, charges_per_account: int) -> None:
    """Accounts and charges beyond the demo data, by Core batched inserts (no ORM object per row)."""
    sub_id = db.session.scalar(select(Subdivision.id).where(Subdivision.service == Service.electricity))
    conn = db.session.connection()
    start = 600_000_000  # numbers no demo account uses (demo numbers are random 9-digit ones: skip clashes)
    taken = set(db.session.scalars(select(PersonalAccount.number)))
    numbers = (str(n) for n in range(start, start + accounts * 2) if str(n) not in taken)
    first_id = (db.session.scalar(select(PersonalAccount.id).order_by(PersonalAccount.id.desc()).limit(1)) or 0) + 1
    rows = []
    for i in range(accounts):
        rows.append(
            {
                "id": first_id + i,
                "number": next(numbers)[:9],
                "subdivision_id": sub_id,
                "service": Service.electricity,
                "holder_name": "Бенчмарк Тест",
                "address": "м. Луцьк",
                "meter_number": "1",
                "balance": 0,
            }
        )
        if len(rows) == BATCH:
            conn.execute(insert(PersonalAccount), rows)
            rows = []
    if rows:
        conn.execute(insert(PersonalAccount), rows)
    months = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(charges_per_account)]
    rows = []
    for i in range(accounts):
        for month in months:
            rows.append(
                {"account_id": first_id + i, "month": month, "volume": 100, "unit": "kWh", "tariff": 4, "amount": 43200}
            )
            if len(rows) == BATCH:
                conn.execute(insert(Charge), rows)
                rows = []
    if rows:
        conn.execute(insert(Charge), rows)
    db.session.commit()


def _time_cabinet(app, requests: int = 200) -> dict:
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
    import re

    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert (
        client.post("/login", data={"login": "demo", "password": "demo12345", "csrf_token": token}).status_code == 303
    )
    for _ in range(20):
        client.get("/cabinet")
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        assert client.get("/cabinet").status_code == 200
        times.append(time.perf_counter() - t)
    return {"median_ms": statistics.median(times) * 1000}


def run(big_accounts: int = 500_000, charges_per_account: int = 12) -> dict:
    results = {}
    for label, extra in (("1k", 800), ("big", big_accounts)):
        tmp = Path(tempfile.mkdtemp(prefix="vez-scale-"))
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'scale.sqlite3'}",
                "WTF_CSRF_SSL_STRICT": True,
            }
        )
        with app.app_context():
            db.create_all()
            create_demo_data()
            db.session.commit()
            started = time.perf_counter()
            _fill(extra, charges_per_account)
            filled = time.perf_counter() - started
            accounts = db.session.query(PersonalAccount).count()
        results[label] = {
            "accounts": accounts,
            "charges": accounts * charges_per_account,
            "fill_s": round(filled, 1),
            **_time_cabinet(app),
        }
    results["ratio_big_to_1k"] = round(results["big"]["median_ms"] / results["1k"]["median_ms"], 2)
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
