from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from vez.cabinet import bp
from vez.cabinet.queries import accounts_of


@bp.route("")
@login_required
def index():
    return render_template("cabinet/index.html", accounts=accounts_of(current_user.id))
