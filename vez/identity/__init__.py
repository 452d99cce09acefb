"""Identity: who a visitor is and what may change about a login. A domain package: no blueprint, no request.

Modules: tokens (signed links), passwords (hashing, the policy and its messages), contact (the phone and
email rules), sessions, login, totp (the staff's second factor), limits (every attempt limit), timing (the
answer-time pad), identification (step 1 of registration, add-account, the admin's unlock), signup
(the login, its letter, activation), recovery (password reset, login reminder), profile (a login's own
changes). Functions take plain values, change `db.session` and return an outcome; the view commits
(docs/architecture.md, "Who commits").
"""
