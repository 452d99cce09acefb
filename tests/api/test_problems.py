"""Every refusal under /api/ is an RFC 9457 problem (application/problem+json: type, title, status, detail)."""

from __future__ import annotations

import pytest

from tests.api.conftest import conforms


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    conforms("Problem", body)
    assert body["status"] == status and body["type"] == "about:blank"
    return body


def test_an_unknown_api_path_is_a_404_problem_not_the_html_page(api, ivan_secret):
    body = _problem(api("/api/v1/nothing-here", ivan_secret), 404)
    assert body["title"] == "Not Found"
    _problem(api("/api/v2/accounts"), 404)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_are_405_problems_with_allow(api, ivan_secret, method):
    response = api("/api/v1/accounts", ivan_secret, method=method)
    body = _problem(response, 405)
    assert body["title"] == "Method Not Allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}


def test_a_post_is_not_refused_for_csrf_but_for_its_method(app, ivan_secret):
    """The API is CSRF-exempt (no cookie authenticates it); a POST is still refused, as a method."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client(use_cookies=False)
    response = client.post("/api/v1/accounts/529471247", headers={"Authorization": f"Bearer {ivan_secret}"})
    _problem(response, 405)


def test_head_answers_like_get_without_a_body(api, ivan_secret):
    response = api("/api/v1/accounts", ivan_secret, method="HEAD")
    assert response.status_code == 200 and response.get_data() == b"" and response.headers["ETag"]


def test_a_failure_is_a_500_problem_with_an_incident_and_no_traceback(app, api, ivan_secret, monkeypatch):
    from vez.cabinet import queries

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(queries, "cards_of", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = api("/api/v1/accounts", ivan_secret)
    body = _problem(response, 500)
    assert body["incident"] and "secret internals" not in response.get_data(as_text=True)


def test_the_detail_is_in_the_asked_language(api):
    """The detail is a user-visible text: translated (the title is the status's own phrase, RFC 9457)."""
    english = api("/api/v1/accounts?lang=en").get_json()
    assert english["detail"].startswith("A valid personal access token is needed")


def test_the_html_site_keeps_its_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_an_api_answer_sets_no_cookie_even_with_lang(api, ivan_secret):
    answer = api("/api/v1/accounts?lang=en", ivan_secret)
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    problem = api("/api/v1/accounts/000000000?lang=en", ivan_secret)
    assert problem.status_code == 404 and "Set-Cookie" not in problem.headers
