"""The company cabinet's navigation: the pages of the chosen company that the login's role may open."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from vez.companies import access
from vez.companies.access import Can
from vez.company import bp
from vez.company.access import current_member

# (endpoint, label, capability), in the order they are shown; an endpoint not (yet) registered is left out.
PAGES = (
    ("company.cabinet", _l("Contracts"), Can.view),
    ("company.people", _l("People"), Can.people),
    ("company.audit", _l("Activity log"), Can.audit),
)


def links() -> list[dict]:
    member = current_member()
    if member is None:
        return []
    return [
        {"url": url_for(endpoint), "label": label, "current": request.endpoint == endpoint}
        for endpoint, label, capability in PAGES
        if endpoint in current_app.view_functions and access.can(member, capability)
    ]


@bp.app_context_processor
def business_nav() -> dict:
    """`company_nav()` in templates: the links above; `company_member()`: the chosen membership."""
    return {"company_nav": links, "company_member": current_member}
