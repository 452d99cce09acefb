"""The payment callback path under load: credits per second, and proof that nothing was credited twice.

`run()` makes ORDERS pending sandbox orders spread over ACCOUNTS accounts, serves the app with gunicorn on
127.0.0.1 (2 workers), and sends every order's signed success callback DUPLICATES times, shuffled, from
THREADS threads (bounded by BENCH_CALLBACK_SECONDS, default 60). Afterwards it counts the ledger: one
credit per order, balances moved by exactly the credited amounts. SQLite file by default;
`VEZ_BENCH_DATABASE_URL` runs it on PostgreSQL.
"""

from __future__ import annotations

import os
import random
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench.server import gunicorn

ORDERS, ACCOUNTS, DUPLICATES, THREADS = 400, 40, 3, 16
SECRET = "bench-callbacks-secret-key-0123456789-abcdef"


def _seed(url: str) -> tuple[dict[str, int], dict[int, int], list[dict]]:
    """Accounts and pending orders; returns (order -> amount, account -> starting balance, signed forms)."""
    from vez import create_app
    from vez.extensions import db
    from vez.models import BranchKind, Payment, PaymentSource, PaymentStatus, PersonalAccount, Service, Subdivision
    from vez.payments.providers.envelope import encode, hmac_signature

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    rng = random.Random(7)
    with app.app_context():
        db.drop_all()
        db.create_all()
        sub = Subdivision(
            code="108",
            service=Service.electricity,
            name_uk="Любешівська філія",
            name_en="Liubeshiv branch",
            kind=BranchKind.district,
        )
        accounts = [
            PersonalAccount(
                number=f"5{i:08d}",
                service=Service.electricity,
                subdivision=sub,
                holder_name="Бенч Тест",
                address="Луцьк",
                balance=1_000_000,
            )
            for i in range(ACCOUNTS)
        ]
        db.session.add_all([sub, *accounts])
        db.session.flush()
        amounts, forms = {}, []
        for i in range(ORDERS):
            amount = rng.randint(100, 500_000)
            reference = f"vez-bench-{i:06d}"
            db.session.add(
                Payment(
                    account_id=accounts[i % ACCOUNTS].id,
                    amount=amount,
                    source=PaymentSource.online,
                    status=PaymentStatus.pending,
                    reference=reference,
                    provider="sandbox",
                )
            )
            amounts[reference] = amount
            data = encode(
                {
                    "version": 3,
                    "public_key": app.config["SANDBOX_PUBLIC_KEY"],
                    "action": "pay",
                    "status": "success",
                    "order_id": reference,
                    "amount": f"{amount // 100}.{amount % 100:02d}",
                    "currency": "UAH",
                    "payment_id": i,
                }
            )
            forms.append({"data": data, "signature": hmac_signature(app.config["SANDBOX_PRIVATE_KEY"], data)})
        db.session.commit()
        start = {a.id: a.balance for a in accounts}
        db.engine.dispose()
    return amounts, start, forms


def _count(url: str, amounts: dict[str, int], start: dict[int, int]) -> dict:
    from sqlalchemy import func, select

    from vez import create_app
    from vez.extensions import db
    from vez.models import Payment, PaymentEntry, PaymentStatus, PersonalAccount

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        per_payment = db.session.execute(
            select(PaymentEntry.payment_id, func.count()).group_by(PaymentEntry.payment_id)
        ).all()
        received = db.session.execute(
            select(Payment.account_id, Payment.amount).where(Payment.status == PaymentStatus.paid)
        ).all()
        expected = dict(start)
        for account_id, amount in received:
            expected[account_id] -= amount
        balances = dict(db.session.execute(select(PersonalAccount.id, PersonalAccount.balance)).all())
        result = {
            "credited_orders": len(received),
            "double_credits": sum(1 for _, n in per_payment if n > 1),
            "ledger_rows": sum(n for _, n in per_payment),
            "balances_match_ledger": balances == expected,
        }
        db.engine.dispose()
    return result


def run(seconds: int | None = None) -> dict:
    seconds = seconds or int(os.environ.get("BENCH_CALLBACK_SECONDS", 60))
    tmp = Path(tempfile.mkdtemp(prefix="vez-callbacks-"))
    url = os.environ.get("VEZ_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'callbacks.sqlite3'}"
    amounts, start, forms = _seed(url)
    jobs = [form for form in forms for _ in range(DUPLICATES)]
    random.Random(11).shuffle(jobs)
    env = {"VEZ_SQLALCHEMY_DATABASE_URI": url, "VEZ_SECRET_KEY": SECRET, "VEZ_MAIL_SEND_INLINE": "false"}
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    with gunicorn("vez:create_app()", env, probe="/") as base:
        deadline = time.monotonic() + seconds
        queue = iter(jobs)

        def worker() -> None:
            while time.monotonic() < deadline:
                with lock:
                    form = next(queue, None)
                if form is None:
                    return
                request = urllib.request.Request(
                    f"{base}/payments/callback/sandbox",
                    data=urlencode(form).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                        code = response.status
                except urllib.error.HTTPError as error:
                    error.close()
                    code = error.code
                except OSError:
                    code = 0
                with lock:
                    statuses[code] = statuses.get(code, 0) + 1

        began = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 60)
        elapsed = time.monotonic() - began
    counted = _count(url, amounts, start)
    sent = sum(statuses.values())
    return {
        "database": url.split(":", 1)[0],
        "orders": ORDERS,
        "callbacks_sent": sent,
        "duplicates_per_order": DUPLICATES,
        "threads": THREADS,
        "seconds": round(elapsed, 2),
        "callbacks_per_second": round(sent / elapsed, 1),
        "credits_per_second": round(counted["credited_orders"] / elapsed, 1),
        "statuses": statuses,
        **counted,
        "ok": counted["double_credits"] == 0
        and counted["balances_match_ledger"]
        and (sent < len(jobs) or counted["credited_orders"] == ORDERS)
        and counted["ledger_rows"] == counted["credited_orders"]
        and set(statuses) <= {200},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
