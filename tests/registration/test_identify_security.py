"""docs/security.md B11–B15: identification cannot be guessed, and step 2 needs a fresh identification
of this session."""

from __future__ import annotations

import re
import statistics
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import https_client
from tests.registration.conftest import errors
from vez.identity import identification as ident
from vez.identity import limits
from vez.identity.signup import identification_token
from vez.models import AuditEvent, IdentificationFailure

OUTCOME = re.compile(r'<section class="alert outcome.*?</section>', re.S)
TOKEN = re.compile(
    r'value="[^"]+" name="csrf_token"|name="csrf_token" type="hidden" value="[^"]+"|"X-CSRFToken": "[^"]+"'
)


def _strip(response) -> str:
    return TOKEN.sub("", OUTCOME.sub("", response.get_data(as_text=True)))


@pytest.fixture
def four_cases(make_account, make_user):
    """An unknown number, a wrong amount, a registered account and a locked one, typed the same way."""
    wrong = make_account("529471247", last_payment=50000)
    registered = make_account("529471248", last_payment=50000)
    locked = make_account("529471249", last_payment=50000)
    make_user("ivan", accounts=[registered])
    return wrong, registered, locked


def test_b11_failures_differ_only_in_the_advice_and_take_the_same_time(app, reg, db, four_cases):
    """B11: unknown account, wrong amount, registered and locked answer alike, within 25 % in time."""
    wrong, registered, locked = four_cases
    for i in range(5):
        reg.identify(locked, "1.00", ip=f"10.9.0.{i}")
    app.config["IDENTIFY_ANSWER_SECONDS"] = 0.2
    cases = {
        "unknown": dict(number="529471240", amount="500.00"),
        "wrong": dict(number=wrong.number, amount="400.00"),
        "registered": dict(number=registered.number, amount="500.00"),
        "locked": dict(number=locked.number, amount="500.00"),
    }
    bodies, times = {}, {name: [] for name in cases}
    for round_ in range(5):
        for n, (name, case) in enumerate(cases.items()):
            started = time.perf_counter()
            response = reg.identify(wrong, ip=f"10.1.{round_}.{n}", **case)
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 422, name
            bodies[name] = _strip(response).replace(case["number"], "N").replace(case["amount"], "A")
    assert len(set(bodies.values())) == 1
    medians = [statistics.median(t) for t in times.values()]
    assert max(medians) < min(medians) * 1.25, times


def test_b12_five_wrong_amounts_from_five_addresses_lock_the_account_for_a_day(reg, account, db, app):
    """B12: the 6th answer, even the right one, is refused until 24 hours pass; audited; staff can unlock."""
    start = datetime(2026, 11, 20, 9, 0)
    with time_machine.travel(start, tick=False):
        for i in range(5):
            assert reg.identify(account, "1.00", ip=f"10.2.0.{i}").status_code == 422
        locked = reg.identify(account, "1234.56", ip="10.2.1.1")
        assert locked.status_code == 422
        assert "Ідентифікацію за цим особовим рахунком призупинено" in locked.get_data(as_text=True)
        assert "0 800 300 521" in locked.get_data(as_text=True)
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert reg.identify(account, "1234.56", ip="10.2.1.2").status_code == 422
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert reg.identify(account, "1234.56", ip="10.2.1.3").status_code == 303
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("identify.mismatch") == 5 and actions.count("identify.locked") == 2


def test_b12_staff_unlock_clears_the_lock(reg, account, db):
    """B12: the call centre unlocks from the admin panel (vez.identity.limits.unlock_account)."""
    for i in range(5):
        reg.identify(account, "1.00", ip=f"10.3.0.{i}")
    assert limits.account_locked(account.id)
    assert limits.locked_account_ids() == [account.id]
    limits.unlock_account(account.id, actor_id=None, ip="10.0.0.9")
    db.session.commit()
    assert reg.identify(account, "1234.56", ip="10.3.1.1").status_code == 303
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "identify.unlocked"))


def test_b13_one_address_trying_eleven_accounts_is_throttled_from_the_eleventh(reg, make_account, db):
    """B13: ten failures per address per hour; the 11th is refused (429) and the alarm counter moves."""
    accounts = [make_account(f"52947{i:04d}", last_payment=50000) for i in range(12)]
    before = limits.recent_failures()
    for account in accounts[:10]:
        assert reg.identify(account, "123.00", ip="10.4.0.1").status_code == 422
    assert limits.recent_failures() == before + 10
    throttled = reg.identify(accounts[10], "500.00", ip="10.4.0.1")
    assert throttled.status_code == 429
    assert "Забагато невдалих спроб" in throttled.get_data(as_text=True)
    # Another address is not affected: the limit stops a script, not a town.
    assert reg.identify(accounts[11], "500.00", ip="10.4.0.2").status_code == 303
    with time_machine.travel(datetime.now() + timedelta(hours=1, minutes=1)):
        assert reg.identify(accounts[10], "500.00", ip="10.4.0.1").status_code == 303


@pytest.mark.parametrize(
    "typed",
    ["500", "500.0", "500,00", "500.00", " 500.00 ", "500 грн", "500,00\u00a0₴", "500.00 UAH", "₴500"],
)
def test_b14_amount_spellings_mean_the_same_kopiykas(typed):
    """B14: 500, 500.0, 500,00 and 500.00 are 50000 kopiykas, with or without the currency."""
    assert ident.parse_amount(typed) == (50000, None)


@pytest.mark.parametrize("typed", ["1 321,92", "1\u00a0321,92\u00a0₴", "1\u202f321,92 грн", "1,321.92\u00a0UAH"])
def test_b14_step_one_accepts_the_amount_as_the_cabinet_prints_it(reg, make_account, typed):
    """Issue 12 finding 3: the bill's own "1 321,92 ₴" (no-break spaces) identifies, in either language's print."""
    account = make_account("529471250", last_payment=132192)
    assert reg.identify(account, typed, ip="10.5.1.1").status_code == 303


@pytest.mark.parametrize(
    "typed",
    [
        "+500",
        "5e2",
        "NaN",
        "-500",
        "500.001",
        "５００",
        "٥٠٠",
        "",
        "9" * 10240,
        "1 32 1,92",
        "1,000",
        "0",
        "0.00",
        "Infinity",
        "500.",
        ".50",
    ],
)
def test_b14_odd_amounts_are_refused_as_a_form_error_that_counts_against_nothing(reg, account, db, typed):
    """B14: refused before any lookup; audited, but no failure row and no limit taken (decision "Amounts")."""
    assert ident.parse_amount(typed)[0] is None
    for _attempt in range(12):  # more than both limits: a consumer retyping never locks themselves out
        response = reg.identify(account, typed, ip="10.5.0.1")
        assert response.status_code == 422
        assert errors(response)
    assert db.session.scalar(select(func.count(IdentificationFailure.id))) == 0
    assert not limits.account_locked(account.id)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "identify.malformed")) == 12
    assert reg.identify(account, "1234.56", ip="10.5.0.1").status_code == 303


GROUPING = re.compile(r"[\s'₴]|грн\.?|uah", re.IGNORECASE)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("0123456789 ,.-+e\u00a0\u202f'₴грнUAH٥５"), max_size=20) | st.text(max_size=30))
def test_b14_amount_parsing_is_exact_and_never_uses_floats(text):
    """B14 (property): whatever is typed, the result is an int equal to the decimal reading, or refused."""
    from decimal import Decimal, InvalidOperation

    kopiykas, problem = ident.parse_amount(text)
    if kopiykas is None:
        assert problem
        return
    assert type(kopiykas) is int
    digits = GROUPING.sub("", text)
    digits = digits.replace(",", "") if "." in digits else digits.replace(",", ".")
    try:
        assert Decimal(digits) * 100 == kopiykas
    except InvalidOperation:  # pragma: no cover - the parser accepted what Decimal cannot read
        pytest.fail(f"accepted {text!r}")


@settings(max_examples=200)
@given(st.integers(min_value=1, max_value=10**9 - 1))
def test_b14_every_kopiyka_amount_round_trips(kopiykas):
    text = f"{kopiykas // 100}.{kopiykas % 100:02d}"
    assert ident.parse_amount(text) == (kopiykas, None)
    assert ident.parse_amount(text.replace(".", ",")) == (kopiykas, None)


def test_b15_step_two_without_step_one_goes_back_to_step_one(client):
    """B15: no identification at all."""
    response = client.get("/registration/account")
    assert response.status_code == 303 and response.headers["Location"] == "/registration"
    assert client.post("/registration/account", data={}).status_code in (303, 400)


def test_b15_another_sessions_identification_is_refused(app, reg, account):
    """B15: a proof bound to session A does not open step 2 in session B."""
    assert reg.identify(account).status_code == 303
    with reg.client.session_transaction() as session:
        stolen = session["identification"]
    thief = https_client(app)
    thief.get("/registration")
    with thief.session_transaction() as session:
        session["identification"] = stolen
        session["identification_binding"] = "the thief's own binding"
    response = thief.get("/registration/account")
    assert response.status_code == 303 and response.headers["Location"] == "/registration"


def test_b15_a_proof_made_for_another_binding_is_refused(app, client, account):
    """B15: a validly signed proof with another binding."""
    client.get("/registration")
    with app.test_request_context():
        token = identification_token(account.id, "binding-A")
    with client.session_transaction() as session:
        session["identification"] = token
        session["identification_binding"] = "binding-B"
    assert client.get("/registration/account").status_code == 303


def test_b15_an_identification_older_than_30_minutes_is_refused(reg, account, app):
    """B15: expired identification (time travel)."""
    now = datetime(2026, 11, 20, 9, 0)
    with time_machine.travel(now, tick=False):
        assert reg.identify(account).status_code == 303
    with time_machine.travel(now + timedelta(minutes=29), tick=False):
        assert reg.client.get("/registration/account").status_code == 200
    with time_machine.travel(now + timedelta(minutes=31), tick=False):
        response = reg.client.get("/registration/account")
        assert response.status_code == 303 and response.headers["Location"] == "/registration"
