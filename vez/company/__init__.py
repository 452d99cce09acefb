"""The business cabinet behind the "Для компаній" tab (docs/companies.md): registration of a company, its
people and roles, the cabinet of its contracts and points, documents, paying. One module per concern."""

from flask import Blueprint

bp = Blueprint("company", __name__, url_prefix="/company")

from vez.company import cabinet, documents, nav, paying, people, registration  # noqa: E402,F401
