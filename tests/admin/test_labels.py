"""The panel in the staff's language: every code by its word, counts in the right plural, money in hryvnias."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from flask_babel import force_locale

from tests.conftest import csrf_token
from vez import labels
from vez.admin.formats import FORMATS
from vez.identity.activation import ActivationState
from vez.identity.recovery import ResetState
from vez.models import Payment, PaymentSource, PaymentStatus

VEZ = Path(__file__).resolve().parents[2] / "vez"
RECORDED = re.compile(r"(?:record|record_now|record_change|_user_change)\(\s*\"([a-z_]+(?:\.[a-z_]+)?)\"")
QUEUED = re.compile(r"queue_letter\(\s*\"([a-z_-]+)\"")


def source_codes(pattern: re.Pattern[str]) -> set[str]:
    return {code for path in VEZ.rglob("*.py") for code in pattern.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("enum_class", list(labels.ENUMS))
def test_every_member_of_every_shown_enum_has_a_word_in_both_languages(app, enum_class):
    with app.test_request_context():
        for member in enum_class:
            with force_locale("en"):
                english = labels.label(member)
            with force_locale("uk"):
                ukrainian = labels.label(member)
            assert english and re.search("[а-яіїєґ]", ukrainian, re.I), (member, english, ukrainian)


def test_every_event_the_code_records_has_a_word():
    dynamic = {f"activation.{s.value}" for s in ActivationState if s is not ActivationState.ready}
    dynamic |= {f"recovery.reset_{s.value}" for s in ResetState if s is not ResetState.ready}
    dynamic |= {f"import.{kind}" for kind in FORMATS} | {f"import.{kind}_rejected" for kind in FORMATS}
    recorded = source_codes(RECORDED)
    assert len(recorded) > 50  # the scan sees the calls
    assert sorted((recorded | dynamic) - set(labels.EVENTS)) == []


def test_every_letter_the_code_queues_has_a_word():
    queued = source_codes(QUEUED) | {"activation", "activation_again", "activation_by_staff"}
    assert sorted(queued - set(labels.LETTER_KINDS)) == []


def test_an_unknown_code_is_shown_as_it_is_stored(app):
    with app.test_request_context(), force_locale("uk"):
        assert labels.event("payment.something_new") == "payment.something_new"
        assert labels.event("login.ok") == "Вхід"
        assert labels.unit("kWh") == "кВт·год"
        assert labels.label(None) == ""


def payment(db, account, **kw) -> Payment:
    p = Payment(account=account, amount=123456, source=PaymentSource.online, status=PaymentStatus.paid, **kw)
    db.session.add(p)
    db.session.commit()
    return p


def test_the_payments_list_and_details_show_words_and_hryvnias(admin_client, db, make_account):
    p = payment(db, make_account())
    page = unescape(admin_client.get("/admin/payments/?lang=uk").get_data(as_text=True))
    assert "Зараховано" in page and "Онлайн" in page
    assert ">received<" not in page.replace(" ", "").replace("\n", "") and ">online<" not in page
    assert "1\xa0234,56\xa0₴" in page
    details = unescape(admin_client.get(f"/admin/payments/details/?id={p.id}&lang=en").get_data(as_text=True))
    assert "Received" in details and "Online" in details and "1,234.56\xa0UAH" in details


def test_the_filters_offer_the_words_of_an_enum(admin_client, db, make_account):
    page = admin_client.get("/admin/payments/?lang=uk").get_data(as_text=True)
    groups = json.loads(unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1)))
    options = {text for group in groups.values() for flt in group for _code, text in (flt["options"] or [])}
    assert {"Зараховано", "В дорозі", "Повернено", "Банк", "Онлайн"} <= options
    assert "received" not in options and "online" not in options


def test_an_is_empty_filter_keeps_its_yes_and_no(app):
    """Only the filters that pick a member get the members' words; "is empty" still takes 1 or 0."""
    filters = [flt for view in app.extensions["vez_admin"]._views for flt in getattr(view, "_filters", None) or ()]
    assert any(type(flt).__name__ == "EnumFilterEmpty" for flt in filters)
    with app.test_request_context("/?lang=uk"):
        for flt in filters:
            if type(flt).__name__ == "EnumFilterEmpty":
                assert [code for code, _word in flt.options] == ["1", "0"], flt.column
            elif type(flt).__name__ == "EnumEqualFilter":
                assert all(code != str(word) for code, word in flt.options), flt.column


def test_an_amount_filter_takes_hryvnias_as_printed(admin_client, app, db, make_account):
    account = make_account()
    payment(db, account)
    view = next(v for v in app.extensions["vez_admin"]._views if getattr(v, "endpoint", "") == "payments_admin")
    with app.test_request_context("/?lang=en"):
        amount = [(arg, flt) for arg, (_i, flt) in view._filter_args.items() if str(flt.name) == "Amount"]
    assert amount and all(type(flt).__name__ not in ("IntInListFilter", "IntNotInListFilter") for _a, flt in amount)
    [(equal, _flt)] = [(arg, flt) for arg, flt in amount if type(flt).__name__ == "IntEqualFilter"]
    found = admin_client.get(f"/admin/payments/?flt0_{equal}=1 234,56&lang=uk").get_data(as_text=True)
    other = admin_client.get(f"/admin/payments/?flt0_{equal}=1234.57&lang=uk").get_data(as_text=True)
    assert "1\xa0234,56" in unescape(found) and "1\xa0234,56" not in unescape(other)


def test_the_charges_show_the_unit_in_the_language_and_money_in_hryvnias(admin_client, make_account, make_charge):
    make_charge(make_account(), date(2026, 9, 1), 43200)
    page = unescape(admin_client.get("/admin/charges/?lang=uk").get_data(as_text=True))
    assert "кВт·год" in page and "432,00\xa0₴" in page and "копійок" not in page


@pytest.mark.parametrize("lang, text", [("uk", "50 рядків на сторінці"), ("en", "50 rows a page")])
def test_the_page_size_is_counted_in_the_right_plural(admin_client, lang, text):
    page = admin_client.get(f"/admin/accounts/?lang={lang}").get_data(as_text=True)
    assert text in page and "елементи" not in page
    assert ("20 рядків на сторінці" if lang == "uk" else "20 rows a page") in page


def test_the_subdivision_form_offers_words_in_a_plain_select(admin_client):
    page = admin_client.get("/admin/subdivisions/new/?lang=uk").get_data(as_text=True)
    service = re.search(r'<select[^>]*id="service"[^>]*>(.*?)</select>', page, re.S)
    assert service is not None and 'data-role="select2"' not in service.group(0)
    assert "Електроенергія" in service.group(1) and "Природний газ" in service.group(1)
    assert 'value="electricity"' in service.group(1)


def test_the_audit_log_shows_the_event_by_its_word(admin_client):
    admin_client.get("/admin/?lang=uk")  # the staff login was audited: login.ok
    page = admin_client.get("/admin/audit/?lang=uk").get_data(as_text=True)
    assert "Другий фактор пройдено" in page and ">login.second_factor_ok<" not in page.replace(" ", "")


def test_an_amount_typed_wrong_is_refused_in_the_staffs_language(admin_client, db, make_account, make_charge):
    charge = make_charge(make_account(), date(2026, 9, 1), 43200)
    data = {"csrf_token": csrf_token(admin_client, "/admin/"), "volume": "100", "tariff": "4.32", "amount": "12.345"}
    page = admin_client.post(f"/admin/charges/edit/?id={charge.id}&lang=uk", data=data).get_data(as_text=True)
    assert "Введіть суму в гривнях" in page
    db.session.refresh(charge)
    assert charge.amount == 43200


def test_a_yes_or_no_is_a_word_and_an_events_object_is_named(admin_client, db, make_user):
    user = make_user("maria", paperless=True)
    details = unescape(admin_client.get(f"/admin/logins/details/?id={user.id}&lang=uk").get_data(as_text=True))
    assert re.search(r"<td>\s*Так\s*</td>", details) and "paperless: true" not in details
    audit = unescape(admin_client.get("/admin/audit/?lang=uk").get_data(as_text=True))
    assert re.search(r">\s*Логін\s*<", audit) and not re.search(r">\s*users\s*<", audit)


def test_a_logins_language_is_named_and_chosen_from_a_list(admin_client, db, make_user):
    user = make_user("taras", language="en")
    details = unescape(admin_client.get(f"/admin/logins/details/?id={user.id}&lang=uk").get_data(as_text=True))
    assert re.search(r"<td>\s*English\s*</td>", details)
    form = admin_client.get(f"/admin/logins/edit/?id={user.id}&lang=uk").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="language"[^>]*>(.*?)</select>', form, re.S)
    assert select is not None and "Українська" in select.group(1) and 'selected value="en"' in select.group(1)
