"""Switching between the companies of one login (docs/companies.md, "People and roles")."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.forms import form_problems
from vez.models import CompanyMember, CompanyRole


@pytest.fixture
def both(db, make_company, make_contract, make_point, member, rival):
    """`acme_admin` administers ТОВ "Акме" and is a viewer of ФОП Бондар (rival)."""
    company = make_company()
    make_point(make_contract(company), 1)
    user = member(company, "acme_admin")
    member(rival.company, "acme_admin", CompanyRole.admin, user=user, full_name="Ковальчук Олена (ФОП)")
    return type("Both", (), {"acme": company, "rival": rival.company, "user": user})


def switch(client, company_id, next_url=""):
    return client.post(
        "/company/switch",
        data={"csrf_token": csrf_token(client, "/"), "company_id": str(company_id), "next": next_url},
    )


def test_the_switcher_shows_the_current_company_and_switches_back_to_the_same_page(db, client, auth, both):
    auth.login("acme_admin")
    html = client.get("/company/people").get_data(as_text=True)
    assert 'action="/company/switch"' in html and "ФОП Бондар Іван Олегович" in html
    assert form_problems(html) == []
    first = both.acme if "Ковальчук Олена Петрівна" in html else both.rival  # the first by name is chosen
    other = both.rival if first is both.acme else both.acme
    response = switch(client, other.id, "/company/people")
    assert response.status_code == 303 and response.headers["Location"] == "/company/people"
    html = client.get("/company/people").get_data(as_text=True)
    assert f'<option selected value="{other.id}"' in html or f'value="{other.id}" selected' in html
    switch(client, both.acme.id, "/company/audit")
    assert "Ковальчук Олена Петрівна" in client.get("/company/people").get_data(as_text=True)


def test_the_switch_goes_only_to_a_company_of_the_login(db, client, auth, both, make_company):
    stranger = make_company("14360570", name="ТОВ «Чужа»")
    auth.login("acme_admin")
    assert switch(client, stranger.id).status_code == 404
    assert switch(client, 999999).status_code == 404
    token = csrf_token(client, "/")
    assert client.post("/company/switch", data={"csrf_token": token, "company_id": "x"}).status_code == 404


def test_an_outside_next_is_not_followed(db, client, auth, both):
    auth.login("acme_admin")
    response = switch(client, both.rival.id, "https://evil.example/")
    assert response.status_code == 303 and "evil" not in response.headers["Location"]


def test_one_company_shows_no_switcher(db, client, auth, rival):
    auth.login("rival_admin")
    html = client.get("/company/people").get_data(as_text=True)
    assert "/company/switch" not in html


def test_the_switch_needs_a_login(db, client, both):
    response = switch(client, both.acme.id)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_the_chosen_company_decides_what_the_pages_show(db, client, auth, both):
    """Roles are per company: a viewer in one is refused the people page there, an admin in the other is not."""
    viewer = db.session.query(CompanyMember).filter_by(company_id=both.rival.id, user_id=both.user.id).one()
    viewer.role = CompanyRole.viewer
    db.session.commit()
    auth.login("acme_admin")
    switch(client, both.rival.id)
    assert client.get("/company/people").status_code == 403
    switch(client, both.acme.id)
    assert client.get("/company/people").status_code == 200
