"""The payment callback path under load: credits per second, and proof that nothing was credited twice.

`run()` makes ORDERS pending sandbox orders spread over ACCOUNTS accounts, serves the app with gunicorn on
127.0.0.1 (2 workers), and sends every order's signed success callback DUPLICATES times, shuffled, from
THREADS threads (bounded by BENCH_CALLBACK_SECONDS, default 60). Meanwhile AUTOPAY_RUNNERS processes run the
autopay job (`flask --app vez payments autopay`) at once over AUTOPAYS accounts with a bill and a saved sandbox
card, on the same database. Afterwards it counts the ledger: one credit per order, one paid autopay order per
bill, balances moved by exactly the credited amounts. SQLite file by default; `VEZ_BENCH_DATABASE_URL` runs it
on PostgreSQL.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench.server import gunicorn

ORDERS, ACCOUNTS, DUPLICATES, THREADS = 400, 40, 3, 16
AUTOPAYS, AUTOPAY_RUNNERS = 100, 2
AUTOPAY_DAY = "2026-11-05"  # within the charging window of October's bills (day 2 to the due date, the 20th)
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
        autopaying = _seed_autopays(db, sub, rng)
        db.session.commit()
        start = {a.id: a.balance for a in [*accounts, *autopaying]}
        db.engine.dispose()
    return amounts, start, forms


def _seed_autopays(db, sub, rng) -> list:
    """AUTOPAYS accounts, each with a login, October's bill (its amount due is the balance) and a saved card."""
    from datetime import date

    from vez.models import Autopay, Bill, PersonalAccount, SandboxCard, Service, User, UserAccount, utcnow

    made = []

    for i in range(AUTOPAYS):
        due = rng.randint(10_000, 300_000)
        account = PersonalAccount(
            number=f"6{i:08d}",
            service=Service.electricity,
            subdivision=sub,
            holder_name="Автоплатіж Тест",
            address="Луцьк",
            balance=due,
        )
        login = f"auto{i:04d}"
        user = User(
            login=login,
            login_key=login,
            login_skeleton=login,
            email=f"{login}@example.com",
            email_key=f"{login}@example.com",
            phone="+380501234567",
            password_hash="!",
            activated_at=utcnow(),
        )
        db.session.add_all([account, user])
        db.session.flush()
        made.append(account)
        card = SandboxCard(token=f"bench-card-{i}", mask="424242******4242")
        db.session.add_all(
            [
                card,
                UserAccount(user_id=user.id, account_id=account.id),
                Bill(
                    account_id=account.id,
                    month=date(2026, 10, 1),
                    number=f"{account.number}-202610",
                    issued_on=date(2026, 11, 1),
                    opening_balance=0,
                    charged=due,
                    paid=0,
                    closing_balance=due,
                    due_date=date(2026, 11, 20),
                ),
                Autopay(
                    account_id=account.id,
                    user_id=user.id,
                    max_amount=1_000_000,
                    consent_version="bench",
                    card_token=card.token,
                    card_mask=card.mask,
                ),
            ]
        )
    return made


def _autopay_runners(env: dict) -> tuple[float, list[str]]:
    """AUTOPAY_RUNNERS processes of the autopay job started at once; (seconds until the last ended, outputs)."""
    command = [sys.executable, "-m", "flask", "--app", "vez", "payments", "autopay", "--date", AUTOPAY_DAY]
    began = time.monotonic()
    procs = [
        subprocess.Popen(
            command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(AUTOPAY_RUNNERS)
    ]
    outputs = [proc.communicate(timeout=600)[0].strip().splitlines()[-1:] for proc in procs]
    return time.monotonic() - began, [line for lines in outputs for line in lines]


def _count(url: str, amounts: dict[str, int], start: dict[int, int]) -> dict:
    from sqlalchemy import func, select

    from vez import create_app
    from vez.extensions import db
    from vez.models import Letter, Payment, PaymentChannel, PaymentEntry, PaymentStatus, PersonalAccount

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        per_payment = db.session.execute(
            select(PaymentEntry.payment_id, func.count()).group_by(PaymentEntry.payment_id)
        ).all()
        received = db.session.execute(
            select(Payment.account_id, Payment.amount).where(Payment.status == PaymentStatus.paid)
        ).all()
        autopaid = db.session.execute(
            select(Payment.bill_id, func.count())
            .where(Payment.channel == PaymentChannel.autopay, Payment.status == PaymentStatus.paid)
            .group_by(Payment.bill_id)
        ).all()
        expected = dict(start)
        for account_id, amount in received:
            expected[account_id] -= amount
        balances = dict(db.session.execute(select(PersonalAccount.id, PersonalAccount.balance)).all())
        result = {
            "autopay_bills_paid": len(autopaid),
            "autopay_double_charges": sum(1 for _, n in autopaid if n > 1),
            "receipt_letters": db.session.scalar(select(func.count()).where(Letter.kind == "payment_receipt")),
            "credited_orders": len(received) - sum(n for _, n in autopaid),
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
    autopay: dict = {}
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

        def autopay_runners() -> None:
            autopay["seconds"], autopay["outputs"] = _autopay_runners(env)

        began = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        threads.append(threading.Thread(target=autopay_runners))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 600)
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
        "autopays": AUTOPAYS,
        "autopay_runners": AUTOPAY_RUNNERS,
        "autopay_seconds": round(autopay.get("seconds", 0), 2),
        "autopay_outputs": autopay.get("outputs"),
        **counted,
        "ok": counted["double_credits"] == 0
        and counted["balances_match_ledger"]
        and (sent < len(jobs) or counted["credited_orders"] == ORDERS)
        and counted["ledger_rows"] == counted["credited_orders"] + counted["autopay_bills_paid"]
        and counted["autopay_bills_paid"] == AUTOPAYS
        and counted["autopay_double_charges"] == 0
        and set(statuses) <= {200},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
