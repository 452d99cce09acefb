"""Migration 0004 fills the login columns of rows registered before the rule, look-alikes among them
(docs/security.md, "Logins and look-alikes")."""

from __future__ import annotations

from datetime import datetime

from flask_migrate import upgrade
from sqlalchemy import text

from vez import create_app
from vez.extensions import db
from vez.identity.logins import login_skeleton

LEGACY = [  # id, login, login_key as the old rule stored it (casefold), activated
    (1, "admin", "admin", True),
    (2, "аdmin", "аdmin", True),  # Cyrillic а: a look-alike of 1
    (3, "ａｄｍｉｎ", "ａｄｍｉｎ", False),  # fullwidth: its NFKC key is 1's
    (4, "Олена", "олена", True),
    (5, "ｐｅｔｒｏ", "ｐｅｔｒｏ", True),  # fullwidth, alone: its key becomes petro
]


def test_review12_migration_0004_fills_keys_and_skeletons_of_existing_logins(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'legacy.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            for id_, login, key, activated in LEGACY:
                conn.execute(
                    text(
                        "INSERT INTO users (id, login, login_key, email, email_key, phone, password_hash, role,"
                        " created_at, activated_at, session_version, language, paperless)"
                        " VALUES (:id, :login, :key, :email, :email, '+380501234567', 'x', 'consumer', :at,"
                        " :activated, 1, 'uk', 0)"
                    ),
                    {
                        "id": id_,
                        "login": login,
                        "key": key,
                        "email": f"u{id_}@example.com",
                        "at": datetime(2026, 1, id_),
                        "activated": datetime(2026, 1, id_) if activated else None,
                    },
                )
        upgrade(revision="0004")
        with db.engine.connect() as conn:
            rows = {
                row.id: (row.login_key, row.login_skeleton)
                for row in conn.execute(text("SELECT id, login_key, login_skeleton FROM users"))
            }
        db.engine.dispose()
    assert rows == {
        1: ("admin", login_skeleton("admin")),
        2: ("аdmin", "#2"),  # looks like 1, which was activated first: parked, 1 keeps the skeleton
        3: ("ａｄｍｉｎ", "#3"),  # its NFKC key is 1's: keeps its old key, found as typed
        4: ("олена", login_skeleton("олена")),
        5: ("petro", login_skeleton("petro")),
    }
