"""docs/security.md, "Logins and look-alikes": one login rule (NFKC, one alphabet), uniqueness on a confusable
skeleton, lookup by the exact normalized login only.

Table-driven: the rule and the skeleton as functions; then the same logins through registration step 2, login
and the admin panel's login form.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.registration.conftest import GOOD, errors
from vez.identity.logins import (
    CYRILLIC,
    LATIN,
    PROBLEMS,
    login_key,
    login_problem,
    login_skeleton,
    normalize_login,
    normalize_text,
)
from vez.models import User

# (typed, stored login or None when refused, the problem's key)
RULE = [
    ("petro", "petro", None),
    ("Petro.Ivanenko_2-", "Petro.Ivanenko_2-", None),
    ("  petro  ", "petro", None),
    ("ａｄｍｉｎ", "admin", None),  # fullwidth: NFKC makes it the ASCII login
    ("ｐｅｔｒｏ１２", "petro12", None),
    ("олена", "олена", None),  # Ukrainian-only logins are allowed
    ("Олена", "Олена", None),
    ("ґаздиня-їжак", "ґаздиня-їжак", None),
    ("олена2026", "олена2026", None),
    ("й", "й", None),  # и + combining breve composes to й
    ("аdmin", None, "mixed"),  # Cyrillic а among Latin letters
    ("dеmo", None, "mixed"),  # Cyrillic е
    ("pеtro", None, "mixed"),
    ("олеnа", None, "mixed"),
    ("ΑDMIN", None, "characters"),  # Greek Α: neither alphabet
    ("admín", None, "characters"),  # Latin beyond ASCII
    ("petro petro", None, "characters"),
    ("petro<b>", None, "characters"),
    ("petro\u200b", None, "characters"),  # zero-width space
    ("petro\u202e", None, "characters"),  # bidi override
    ("٣٤٥", None, "characters"),  # Arabic-Indic digits: digits are ASCII only
    ("", None, "empty"),
    ("x" * 41, None, "length"),
]


@pytest.mark.parametrize("typed, stored, problem", RULE)
def test_review12_the_one_login_rule(typed, stored, problem):
    assert login_problem(normalize_text(typed)) == problem
    if stored is not None:
        assert normalize_login(typed) == (stored, None)
    assert problem is None or problem in PROBLEMS


# pairs that look alike and must share one skeleton
LOOK_ALIKE = [
    ("admin", "аdmin"),  # Cyrillic а
    ("admin", "ａｄｍｉｎ"),  # fullwidth
    ("admin", "ΑDMIN"),  # Greek Α
    ("admin", "ADMIN"),
    ("demo", "dеmo"),  # Cyrillic е
    ("petro", "pеtro"),
    ("олена", "Олена"),  # case, in Cyrillic
    ("cop", "сор"),  # whole-script: all Cyrillic letters that look like Latin ones
    ("BATA", "ВАТА"),  # Cyrillic capitals В, Т look like B, T
    ("HOME", "НОМЕ"),
    ("admin", "adm1n"),  # 1 and l and I are one stroke
    ("Ivan", "lvan"),
    ("petro", "petr0"),  # 0 and O
    ("modem", "rnodern"),  # m and rn (UTS #39)
    ("ivan", "іван"[0] + "van"),  # Cyrillic і
]


@pytest.mark.parametrize("one, other", LOOK_ALIKE)
def test_review12_look_alikes_share_one_skeleton(one, other):
    assert login_skeleton(one) == login_skeleton(other)


@pytest.mark.parametrize("one, other", [("olena", "олена"), ("petro", "petra"), ("гора", "ґора"), ("ivan", "ivan_")])
def test_review12_different_logins_keep_different_skeletons(one, other):
    assert login_skeleton(one) != login_skeleton(other)


def test_review12_the_skeleton_covers_every_latin_look_alike_of_both_alphabets():
    """Every Cyrillic letter we allow whose small or capital form is drawn like a Latin letter maps onto it."""
    look_like_latin = "аАвВеЕкКмМнНоОрРсСтТуУхХіІ"
    for letter in look_like_latin:
        assert letter in CYRILLIC
        assert all(c in LATIN or c.isdigit() for c in login_skeleton(letter)), letter
    for greek in "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαοριυχ":
        assert all(c in LATIN for c in login_skeleton(greek)), greek


def test_review12_the_key_is_nfkc_and_casefold_never_the_skeleton():
    assert login_key("ＡＤＭＩＮ") == login_key("admin") == "admin"
    assert login_key("аdmin") != login_key("admin")
    assert login_key("Олена") == "олена"


# ---- registration step 2 ----------------------------------------------------------------------


@pytest.fixture
def identified(reg, account):
    assert reg.identify(account).status_code == 303
    return reg


@pytest.mark.parametrize(
    "held, typed, message",
    [
        ("admin", "аdmin", "Літери лише однієї абетки"),  # mixed: refused by the rule itself
        ("admin", "ａｄｍｉｎ", "Цей логін уже зайнято"),  # NFKC: the same login
        ("admin", "ΑDMIN", "Лише латинські або кириличні"),
        ("demo", "dеmo", "Літери лише однієї абетки"),
        ("petro", "pеtro", "Літери лише однієї абетки"),
        ("олена", "Олена", "Цей логін уже зайнято"),
        ("cop", "сор", "надто схожий"),  # all-Cyrillic look-alike of a Latin login
        ("ВАТА", "bata", "надто схожий"),  # and the other way
        ("admin", "adm1n", "надто схожий"),
    ],
)
def test_review12_step_2_refuses_a_look_alike_of_a_login_taken(identified, make_user, db, held, typed, message):
    make_user(held, email="holder@example.com")
    response = identified.step2(login=typed)
    assert response.status_code == 422
    assert any(message in e for e in errors(response)), errors(response)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_review12_step_2_takes_a_ukrainian_login_and_stores_it_normalized(identified, db):
    assert identified.step2(login="Олена").status_code == 303
    user = db.session.scalar(select(User))
    assert (user.login, user.login_key, user.login_skeleton) == ("Олена", "олена", login_skeleton("олена"))


def test_review12_step_2_stores_a_fullwidth_login_as_ascii(identified, db):
    assert identified.step2(login="ｐｅｔｒｏ").status_code == 303
    user = db.session.scalar(select(User))
    assert (user.login, user.login_key) == ("petro", "petro")


def test_review12_the_inline_check_says_the_same(identified, make_user):
    make_user("cop", email="holder@example.com")
    token = identified.token("/registration/account")
    response = identified.client.post(
        "/registration/account/check",
        data={**GOOD, "login": "сор", "csrf_token": token},
        headers={"HX-Request": "true", "HX-Trigger-Name": "login"},
    )
    assert response.status_code == 422
    assert "надто схожий" in response.get_data(as_text=True)


def test_review12_the_database_refuses_two_look_alikes_whoever_writes_them(db, make_user):
    """The unique skeleton holds below the forms: a second writer racing past the check is refused."""
    from sqlalchemy.exc import IntegrityError

    make_user("cop", email="one@example.com")
    with pytest.raises(IntegrityError):
        make_user("сор", email="two@example.com")
    db.session.rollback()


# ---- login lookup ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["аdmin", "ΑDMIN", "adm1n", "аdmіn"])
def test_review12_a_look_alike_never_logs_in_as_the_login(make_user, auth, typed):
    make_user("admin")
    response = auth.login(typed, PASSWORD)
    assert response.status_code == 422, response.status_code  # bad credentials: as an unknown login


@pytest.mark.parametrize("typed", ["admin", "ADMIN", "ａｄｍｉｎ", " admin "])
def test_review12_the_exact_normalized_login_logs_in(make_user, auth, typed):
    make_user("admin")
    response = auth.login(typed, PASSWORD)
    assert response.status_code in (302, 303), response.status_code


def test_review12_a_legacy_login_that_kept_its_old_key_is_found_as_typed(db, make_user):
    """Migration 0004 keeps the old key of a login whose NFKC key another login holds: typed as it was
    registered, it still finds its own row, not the other."""
    from vez.identity.login import find_user

    admin = make_user("admin")
    legacy = make_user("legacy", email="legacy@example.com")
    db.session.execute(
        User.__table__.update()
        .where(User.id == legacy.id)
        .values(login="ａｄｍｉｎ", login_key="ａｄｍｉｎ", login_skeleton=f"#{legacy.id}")
    )
    db.session.commit()
    assert find_user("ａｄｍｉｎ").id == legacy.id
    assert find_user("admin").id == admin.id
    assert find_user("аdmin") is None


# ---- the admin panel -------------------------------------------------------------------------


def test_review12_the_admin_panel_neither_creates_nor_renames_logins(app):
    """Logins come only from registration step 2 (the one rule); the panel's user form has no login field."""
    from vez.admin.views import UserView

    assert "login" not in UserView.form_columns
    assert UserView.creatable is False
