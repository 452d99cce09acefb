"""Signed tokens (vez.identity.tokens): one salt per purpose, the lifetime from the configuration."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from vez.identity import tokens


def test_a_token_reads_back_only_for_its_own_purpose(app):
    token = tokens.make(tokens.ACTIVATION, {"u": 1})
    assert tokens.read(tokens.ACTIVATION, token) == {"u": 1}
    for other in (tokens.RESET, tokens.IDENTIFICATION, tokens.EMAIL_CHANGE):
        with pytest.raises(tokens.TokenProblem) as problem:
            tokens.read(other, token)
        assert problem.value.kind == "damaged"


@pytest.mark.parametrize("purpose, key", sorted(tokens.MAX_AGE_KEYS.items()))
def test_each_purpose_expires_after_its_configured_age_and_tells_what_it_carried(app, purpose, key):
    with time_machine.travel("2026-03-01 10:00:00", tick=False) as traveller:
        token = tokens.make(purpose, {"u": 7})
        traveller.shift(timedelta(seconds=app.config[key] - 1))
        assert tokens.read(purpose, token) == {"u": 7}
        traveller.shift(timedelta(seconds=2))
        with pytest.raises(tokens.TokenProblem) as problem:
            tokens.read(purpose, token)
    assert problem.value.kind == "expired" and problem.value.payload == {"u": 7}


def test_an_unknown_purpose_is_a_programming_error(app):
    with pytest.raises(ValueError):
        tokens.make("vez.something-new", {})


def test_a_fingerprint_changes_with_the_state_it_covers():
    assert tokens.fingerprint(1, "a@example.com") == tokens.fingerprint(1, "a@example.com")
    assert tokens.fingerprint(1, "a@example.com") != tokens.fingerprint(1, "b@example.com")
