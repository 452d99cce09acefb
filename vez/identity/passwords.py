"""Passwords: the policy (docs/security.md A) with its one message table, and Argon2id hashing with rehash on login.

Registration, recovery and the profile all check a new password with `password_problem` and show
`password_message` (docs/security.md A).
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext, ngettext
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# The Ukrainian ЙЦУКЕН layout typed as QWERTY, so "йцукенгшщзхї" is seen as the keyboard row it is.
_UK_TO_QWERTY = str.maketrans(
    "йцукенгшщзхїфівапролджєячсмитьбюґ'",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.\\`",
)
# Names an attacker tries first for this site.
SITE_WORDS = (
    "волиньелектрозбут",
    "volynelektrozbut",
    "вез",
    "vez",
    "волинь",
    "volyn",
    "луцьк",
    "lutsk",
    "ковель",
    "kovel",
    "володимир",
    "нововолинськ",
    "любешів",
    "маневичі",
    "ратне",
    "шацьк",
    "турійськ",
    "рожище",
    "ківерці",
    "горохів",
    "іваничі",
    "локачі",
    "любомль",
    "камінь-каширський",
    "стара вижівка",
    "україна",
    "ukraine",
    "київ",
    "kyiv",
    "електроенергія",
    "природний газ",
)
# Fewer guesses than this under zxcvbn's model of common passwords, words and keyboard patterns: refused.
MIN_GUESSES = 10**6


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords that zxcvbn ships."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, login: str = "", account_numbers: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused ("short", "long", "personal", "common"), or None when it is fine."""
    cfg = current_app.config
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        return "short"
    if len(password) > cfg["PASSWORD_MAX_LENGTH"]:
        return "long"
    folded = password.casefold().strip()
    personal = {login.casefold(), *account_numbers, *SITE_WORDS} - {""}
    if folded in personal or folded.replace(" ", "") in personal:
        return "personal"
    as_qwerty = folded.translate(_UK_TO_QWERTY)
    common = common_passwords()
    if folded in common or as_qwerty in common:
        return "common"
    inputs = [w for w in personal if len(w) > 2]
    for candidate in {password, as_qwerty}:
        if zxcvbn(candidate[:64], user_inputs=inputs)["guesses"] < MIN_GUESSES:
            return "common"
    return None


def password_message(problem: str) -> str:
    """The one message for each reason of `password_problem`, in the current language (plural forms)."""
    cfg = current_app.config
    if problem == "short":
        return ngettext(
            "The password is too short: at least %(num)d character.",
            "The password is too short: at least %(num)d characters.",
            cfg["PASSWORD_MIN_LENGTH"],
        )
    if problem == "long":
        return ngettext(
            "The password is too long: at most %(num)d character.",
            "The password is too long: at most %(num)d characters.",
            cfg["PASSWORD_MAX_LENGTH"],
        )
    if problem == "personal":
        return gettext(
            "The password must not be your login, your personal account number or the supplier's or a town's name."
        )
    return gettext("This password is too common and easy to guess. Try a phrase of three unrelated words.")


def new_password_message(password: str, *, login: str = "", account_numbers: tuple[str, ...] = ()) -> str | None:
    """The message why a new password is refused, or None (the check every form of a new password runs)."""
    if not password:
        return gettext("Enter a password.")
    problem = password_problem(password, login=login, account_numbers=account_numbers)
    return password_message(problem) if problem else None


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the stored one used old parameters). Unknown users verify a dummy hash."""
    hasher = _hasher()
    try:
        hasher.verify(stored_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(stored_hash) else None


_dummy_hashes: dict[tuple, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash with the current parameters, so a login that does not exist costs as much as one that does."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not a password of anyone")
    return _dummy_hashes[key]
