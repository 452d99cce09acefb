"""The one login rule: what a login may be, the key it is found by, and the skeleton that keeps look-alikes
apart (docs/security.md, "Logins and look-alikes").

- `normalize_login(text)`: NFKC (fullwidth `ａｄｍｉｎ` is `admin`), then letters of ONE alphabet (ASCII Latin,
  or the Cyrillic of Ukrainian and Russian), ASCII digits, `.`, `_`, `-`; at most 40 characters. Mixed
  scripts (`pеtro` with a Cyrillic е) are refused.
- `login_key(text)`: how a login is found at login and kept unique regardless of case: NFKC, casefold.
  Lookup is by this key only, never by the skeleton, so `аdmin` never finds `admin`.
- `login_skeleton(text)`: NFKC, casefold, then every letter or digit that looks like another mapped onto
  one representative (UTS #39's idea, on case-folded text, with a small table). Unique in the database:
  `аdmin`, `ΑDMIN`, `adm1n`, `Олена`/`олена` collide.

Plain functions of text, no request. `User.login_key` and `User.login_skeleton` are filled from
`User.login` by a mapper event below, whoever writes a login (registration, the demo data, the tests, a
future rename in the panel), so the two can never disagree with the login.
"""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect

from vez.models import User

LOGIN_MAX_LENGTH = 40
SKELETON_MAX_LENGTH = 80  # a few letters map onto two (m → rn, ы → bl, ю → lo)

LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# The Ukrainian alphabet and the four letters only Russian adds (ё ъ ы э): the keyboards our consumers use.
CYRILLIC = frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяАБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯёъыэЁЪЫЭ")
NEUTRAL = frozenset("0123456789._-")  # ASCII digits and the three separators, in either alphabet

# Case-folded character → its representative. The table is applied after casefold, so a letter whose
# CAPITAL is a look-alike maps too (Cyrillic в, т, н, к, м for В, Т, Н, К, М; Greek η, ν, υ for Η, Ν, Υ).
# Digits and ASCII letters: 0 and o, and 1, l, i (I after casefold) are one stroke in the sans-serif
# fonts logins are shown in (the panel, letters); UTS #39 maps m onto rn.
CONFUSABLE = {
    # ASCII
    "0": "o",
    "1": "l",
    "i": "l",
    "m": "rn",
    "|": "l",
    # Latin beyond ASCII that a legacy login may hold
    "ı": "l",
    "ɩ": "l",
    "ɪ": "l",
    "ɑ": "a",
    "ɡ": "g",
    "ſ": "f",
    # Cyrillic
    "а": "a",
    "б": "6",
    "в": "b",
    "г": "r",
    "е": "e",
    "з": "3",
    "к": "k",
    "м": "rn",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ь": "b",
    "ы": "bl",
    "ю": "lo",
    "і": "l",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "һ": "h",
    "ӏ": "l",
    "ү": "y",
    "ѵ": "v",
    "ѡ": "w",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "ε": "e",
    "ζ": "z",
    "η": "h",
    "ι": "l",
    "κ": "k",
    "μ": "rn",
    "ν": "n",
    "ο": "o",
    "ρ": "p",
    "σ": "o",
    "τ": "t",
    "υ": "y",
    "χ": "x",
    "ω": "w",
    "ϲ": "c",
    "ϳ": "j",
}

PROBLEMS = {
    "empty": _l("Enter a login."),
    "length": _l("At most 40 characters."),
    "characters": _l("Only Latin or Cyrillic letters, digits, the point, the underscore and the hyphen."),
    "mixed": _l("Letters of one alphabet only: all Latin or all Cyrillic."),
}


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def normalize_text(text: str | None) -> str:
    """What the visitor meant: NFKC, outer white space removed (the form of a login as stored)."""
    return _nfkc((text or "")[: LOGIN_MAX_LENGTH * 5]).strip()


def login_problem(login: str) -> str | None:
    """The key of PROBLEMS for a normalized login, or None when it may be a login."""
    if not login:
        return "empty"
    if len(login) > LOGIN_MAX_LENGTH:
        return "length"
    if not all(c in LATIN or c in CYRILLIC or c in NEUTRAL for c in login):
        return "characters"
    if any(c in LATIN for c in login) and any(c in CYRILLIC for c in login):
        return "mixed"
    return None


def normalize_login(raw: str | None) -> tuple[str, str | None]:
    """(the login as stored, None) or (the normalized text, the message)."""
    login = normalize_text(raw)
    problem = login_problem(login)
    return login, (PROBLEMS[problem] if problem else None)


def login_key(text: str) -> str:
    """The key a login is found by: NFKC, casefold (NFKC again: casefold may leave a decomposed form)."""
    return _nfkc(_nfkc(text.strip()).casefold())


def login_skeleton(text: str) -> str:
    """One representative for every login that looks like this one (uniqueness, never lookup)."""
    return "".join(CONFUSABLE.get(c, c) for c in login_key(text))


@event.listens_for(User, "before_insert")
def _fill_on_insert(mapper, connection, user: User) -> None:
    user.login_key, user.login_skeleton = login_key(user.login), login_skeleton(user.login)


@event.listens_for(User, "before_update")
def _fill_on_rename(mapper, connection, user: User) -> None:
    if inspect(user).attrs.login.history.has_changes():
        user.login_key, user.login_skeleton = login_key(user.login), login_skeleton(user.login)
