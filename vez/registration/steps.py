"""What both registrations' steps share (a household's account, vez.registration.views; a company's contract,
vez.company.registration): the session keys of step 1's proof, the redirect of a plain form or htmx, and step 1's
check with its audit of malformed forms, its statuses and its equal answer time."""

from __future__ import annotations

import time

from flask import request, url_for

from vez import htmx
from vez.extensions import db
from vez.identity import identification as ident
from vez.identity.identification import IdentificationOutcome
from vez.identity.timing import pad_answer_time

BINDING = "identification_binding"  # a random value of this session the proof is bound to
TRIED = "registration_tried"  # step 2 met an email address in use: {"email", "sent"} for the sent page
FAILURE_STATUS = {
    IdentificationOutcome.surname_needed: 422,
    IdentificationOutcome.eic_needed: 422,
    IdentificationOutcome.not_found: 422,
    IdentificationOutcome.mismatch: 422,
    IdentificationOutcome.registered: 422,
    IdentificationOutcome.locked: 422,
    IdentificationOutcome.own: 422,
    IdentificationOutcome.throttled: 429,
}


def redirect_to(endpoint: str, **values):
    """303 for a plain form, HX-Redirect for htmx."""
    return htmx.redirect(url_for(endpoint, **values))


def run_check(form, answer, *, actor_id: int | None = None):
    """Step 1 of any registration (a household's account, a company's contract): a malformed form is audited
    and answers 422 without a lookup; else `answer()` runs the identity core; committed either way, and the
    answer always takes IDENTIFY_ANSWER_SECONDS (docs/security.md B). (result or None, status)."""
    started = time.monotonic()
    result, status = None, 200
    if not form.validate():
        if request.method == "POST":
            ident.record_malformed(request.remote_addr, actor_id=actor_id, fields=sorted(form.errors))
            db.session.commit()
            status = 422
    else:
        result = answer()
        db.session.commit()
        status = FAILURE_STATUS.get(result.outcome, 200)
    pad_answer_time(started, "IDENTIFY_ANSWER_SECONDS")
    return result, status
