"""vez.htmx.redirect: after a state change, HX-Redirect for an htmx request and 303 for a plain form."""

import pytest

from vez import htmx


@pytest.mark.parametrize(
    "headers,status,location,hx_redirect",
    [
        ({}, 303, "/cabinet", None),
        ({"HX-Request": "true"}, 204, None, "/cabinet"),
        ({"HX-Request": "true", "HX-Boosted": "true"}, 204, None, "/cabinet"),
        ({"HX-Request": "false"}, 303, "/cabinet", None),
    ],
)
def test_redirect_follows_the_kind_of_request(app, headers, status, location, hx_redirect):
    with app.test_request_context("/", method="POST", headers=headers):
        response = htmx.redirect("/cabinet")
    assert response.status_code == status
    assert response.headers.get("Location") == location
    assert response.headers.get("HX-Redirect") == hx_redirect
