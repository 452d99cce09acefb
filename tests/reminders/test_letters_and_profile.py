"""The e-bill carries the pay link; the profile switches reminders, never the disconnection warning."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token
from vez.billing import queue_ebills
from vez.models import AuditEvent, Letter, User


def test_the_ebill_of_a_bill_with_a_debt_carries_the_pay_link(app, db, make_account, make_user, make_bill, client):
    account = make_account(balance=50_000)
    make_user("ivan", accounts=[account], paperless=True)
    bill = make_bill(account)
    assert queue_ebills([bill]) == 1
    db.session.commit()
    letter = db.session.scalar(select(Letter).where(Letter.kind == "ebill"))
    assert "Сплатити в один дотик" in letter.body_html
    url = next(word for word in letter.body_text.split() if word.startswith("https://cabinet.test/pay/"))
    page = client.get(url.removeprefix("https://cabinet.test")).get_data(as_text=True)
    assert "500,00" in page and "529471247" in page


def test_the_ebill_of_a_bill_with_nothing_due_has_no_pay_link(app, db, make_account, make_user, make_bill):
    account = make_account(balance=-100)
    make_user("ivan", accounts=[account], paperless=True)
    queue_ebills([make_bill(account, closing=-100)])
    letter = db.session.scalar(select(Letter).where(Letter.kind == "ebill"))
    assert "/pay/" not in letter.body_text and "Сплатити в один дотик" not in letter.body_html


def test_the_profile_switches_reminders_and_says_the_warning_always_comes(app, db, make_user, auth, client):
    user = make_user("ivan")
    auth.login()
    page = client.get("/cabinet/profile").get_data(as_text=True)
    assert "Нагадування про оплату" in page and "Попередження про відключення за борг надходить завжди" in page
    assert 'name="prefs-reminders" type="checkbox" value="y" checked' in page or "checked" in page
    token = csrf_token(client, "/cabinet/profile")
    answer = client.post("/cabinet/profile/preferences", data={"prefs-language": "uk", "csrf_token": token})
    assert answer.status_code in (303, 204)
    db.session.expire_all()
    assert db.session.get(User, user.id).reminders is False
    assert db.session.scalar(select(AuditEvent.data).where(AuditEvent.action == "profile.reminders")) == {
        "reminders": False
    }
    client.post(
        "/cabinet/profile/preferences",
        data={"prefs-language": "en", "prefs-reminders": "y", "csrf_token": token},
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).reminders is True
    assert "Payment reminders" in client.get("/cabinet/profile?lang=en").get_data(as_text=True)
