"""The result page follows the payment: htmx polls every 2 s and stops on a final state; no-JS refreshes."""

import re

from sqlalchemy import select

from tests.conftest import https_client
from tests.payments.conftest import place_order, post_callback, sandbox_callback
from vez.models import Letter

HX = {"HX-Request": "true"}


def pending_order(app, client):
    """An order the bank took and is still deciding (its callback said `processing`)."""
    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment, status="processing"))
    return payment


def test_pending_page_polls_from_a_live_region_and_refreshes_without_javascript(app, client, payer):
    payment = pending_order(app, client)
    response = client.get(f"/payments/{payment.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    section = re.search(r'<section id="payment-status"[^>]*>', html).group(0)
    assert "hx-" not in section  # the section with its buttons is never swapped
    region = re.search(r'<div id="payment-state"[^>]*>', html).group(0)
    assert 'role="status"' in region and 'aria-live="polite"' in region
    assert f'hx-get="/payments/{payment.id}"' in region
    assert 'hx-trigger="every 2s"' in region and 'hx-swap="innerHTML"' in region
    head = html[: html.index("</head>")]
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', head)
    assert response.headers["Cache-Control"] == "no-store" and "HX-Request" in response.headers["Vary"]


def test_pending_poll_answers_204_so_nothing_is_swapped_and_polling_goes_on(app, client, payer):
    payment = pending_order(app, client)
    response = client.get(f"/payments/{payment.id}", headers=HX)
    assert response.status_code == 204 and response.data == b""


def test_final_poll_answer_stops_polling_with_286_and_brings_the_new_text_and_balance(app, client, payer):
    payment = pending_order(app, client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment))
    response = client.get(f"/payments/{payment.id}", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 286
    assert "hx-trigger" not in html and "hx-get" not in html
    assert 'id="payment-state"' not in html and 'id="payment-status"' not in html  # the region stays, its text changes
    assert html.lstrip().startswith('<div class="pay-state paid" data-status="paid">') and "Сплачено" in html
    outcome = re.search(r'<div id="payment-outcome" hx-swap-oob="true">.*?</div>', html, re.S).group(0)
    assert 'data-balance="40000"' in outcome and 'Борг після платежу: <b class="debt">400,00' in outcome
    nxt = re.search(r'<div id="payment-next" class="next" hx-swap-oob="true">.*?</div>', html, re.S).group(0)
    assert f'href="/payments/{payment.id}/receipt"' in nxt


def test_final_page_no_longer_refreshes(app, client, payer):
    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment, status="failure"))
    response = client.get(f"/payments/{payment.id}")
    assert response.status_code == 200 and 'http-equiv="refresh"' not in response.get_data(as_text=True)


def test_receipt_only_once_paid(app, client, payer):
    payment = place_order(client)
    assert client.get(f"/payments/{payment.id}/receipt").status_code == 404
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment))
    html = client.get(f"/payments/{payment.id}/receipt").get_data(as_text=True)
    assert "Квитанція № " in html and "UA213223130000026007233566001" in html and "Петренко Степан Іванович" in html
    assert "0,00" in html  # commission


def test_result_page_in_english(app, client, payer):
    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment))
    html = client.get(f"/payments/{payment.id}?lang=en").get_data(as_text=True)
    assert "has been credited to personal account No. 529471247, with no commission" in html.replace("\xa0", " ")
    assert "after the payment:" in html


def test_receipt_letter_in_the_recipients_language(app, client, make_account, make_user, auth, db):
    make_user("ivan", accounts=[make_account(balance=50_000)], language="en")
    auth.login()
    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment))
    letter = db.session.scalar(select(Letter).where(Letter.kind == "payment_receipt"))
    assert letter.subject == "Payment receipt"
    assert "has been credited to personal account No. 529471247" in letter.body_text
    assert f"https://cabinet.test/payments/{payment.id}/receipt" in letter.body_text


def test_no_letter_for_a_failed_payment(app, client, payer, db):
    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment, status="failure"))
    assert db.session.scalar(select(Letter).where(Letter.kind == "payment_receipt")) is None


def test_the_zero_commission_follows_the_language(client, payer):
    """Jinja folds a literal `0|money` once, in the locale of the first render; ours must not be folded."""
    payment = place_order(client)
    uk = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    en = client.get(f"/payments/{payment.id}?lang=en").get_data(as_text=True)
    uk_again = client.get(f"/payments/{payment.id}?lang=uk").get_data(as_text=True)
    assert "0,00\xa0₴" in uk and "0,00\xa0₴" in uk_again
    assert "0.00\xa0UAH" in en and "₴" not in en
