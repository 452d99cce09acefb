"""Signup: the identification handed from step 1 to step 2, and creating a login from an identified account
(its activation letter: `vez.identity.activation`); the cabinet's add-account attaches one more account.

docs/security.md, "Step 2 and letters": step 1's proof is a row of `identification_proofs` named by a nonce in
the signed token, spent when the account's registration changes; step 2's answers are limited per proof, per
session and per address; an email address already in use gets a letter instead of a second login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from vez import audit
from vez.extensions import db
from vez.identity import tokens
from vez.identity.activation import ACTIVATION_LETTER, send_activation_letter
from vez.identity.limits import STEP2_PER_ADDRESS, STEP2_PER_IDENTIFICATION, STEP2_PER_SESSION, take_all
from vez.identity.logins import login_key, login_skeleton
from vez.identity.passwords import hash_password
from vez.mail import queue_letter
from vez.models import IdentificationProof, Letter, PersonalAccount, User, UserAccount, utcnow

# The webmail of common domains, for "the probable address of your mail server".
WEBMAIL = {
    "gmail.com": "https://mail.google.com/",
    "googlemail.com": "https://mail.google.com/",
    "ukr.net": "https://mail.ukr.net/",
    "i.ua": "https://mbox.i.ua/",
    "meta.ua": "https://webmail.meta.ua/",
    "outlook.com": "https://outlook.live.com/mail/",
    "hotmail.com": "https://outlook.live.com/mail/",
    "live.com": "https://outlook.live.com/mail/",
    "yahoo.com": "https://mail.yahoo.com/",
    "icloud.com": "https://www.icloud.com/mail/",
    "me.com": "https://www.icloud.com/mail/",
    "proton.me": "https://mail.proton.me/",
    "protonmail.com": "https://mail.proton.me/",
}


def webmail_for(email: str) -> str | None:
    return WEBMAIL.get(email.rpartition("@")[2].casefold())


# ---- identification handed from step 1 to step 2 ------------------------------------------------------


# A proof names its subject in the token: "a" a household's personal account, "c" a company's contract.
_PROOF_COLUMNS = {"a": IdentificationProof.account_id, "c": IdentificationProof.contract_id}
_PROOF_FIELDS = {"a": "account_id", "c": "contract_id"}


def identification_token(account_id: int, binding: str, nonce: str = "", *, subject: str = "a") -> str:
    return tokens.make(tokens.IDENTIFICATION, {subject: account_id, "b": binding, "p": nonce})


def issue_proof(account_id: int, binding: str, *, subject: str = "a") -> str:
    """A fresh single-use proof of step 1 (a row; the caller commits) and the signed token naming it.

    `subject` "c": `account_id` is a contract's id (the business registration, the same mechanism)."""
    column = _PROOF_COLUMNS[subject]
    nonce = secrets.token_urlsafe(18)
    expired = utcnow() - timedelta(seconds=current_app.config["IDENTIFICATION_MAX_AGE"])
    db.session.execute(  # the subject's proofs past their token's age are of no use any more
        delete(IdentificationProof).where(column == account_id, IdentificationProof.created_at < expired)
    )
    db.session.add(IdentificationProof(nonce=nonce, **{_PROOF_FIELDS[subject]: account_id}))
    db.session.flush()
    return identification_token(account_id, binding, nonce, subject=subject)


def identified_proof(token: str | None, binding: str | None, *, subject: str = "a") -> IdentificationProof | None:
    """The unspent proof a fresh identification of this session holds, else None."""
    if not token or not binding:
        return None
    try:
        payload = tokens.read(tokens.IDENTIFICATION, token)
    except tokens.TokenProblem:
        return None
    if not secrets.compare_digest(str(payload.get("b", "")), binding):
        return None
    nonce, subject_id = payload.get("p"), payload.get(subject)
    if not isinstance(nonce, str) or not nonce or not isinstance(subject_id, int):
        return None
    proof = db.session.scalar(select(IdentificationProof).where(IdentificationProof.nonce == nonce))
    if proof is None or proof.spent_at is not None or getattr(proof, _PROOF_FIELDS[subject]) != subject_id:
        return None
    return proof


def spend_proofs(account_id: int, *, subject: str = "a") -> None:
    """Every open proof of the account (or contract) dies: its registration changed (a copied cookie reopens
    nothing)."""
    db.session.execute(
        update(IdentificationProof)
        .where(_PROOF_COLUMNS[subject] == account_id, IdentificationProof.spent_at.is_(None))
        .values(spent_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def registered_holder(account_id: int) -> User | None:
    """The activated login holding the account (step 2 checks it again at every answer)."""
    return db.session.scalar(
        select(User)
        .join(UserAccount, UserAccount.user_id == User.id)
        .where(UserAccount.account_id == account_id, User.activated_at.is_not(None))
    )


def take_step2_answer(proof: IdentificationProof, binding: str, ip: str | None) -> bool:
    """One inline check or post of step 2: False once the proof, the session or the address is full."""
    return take_all(
        (STEP2_PER_IDENTIFICATION, proof.nonce), (STEP2_PER_SESSION, binding), (STEP2_PER_ADDRESS, ip or "")
    )


# ---- an email address already in use ---------------------------------------------------------------


def report_attempt(
    email: str, account: PersonalAccount | None, *, ip: str | None, password: str | None = None
) -> Letter | None:
    """Someone registering used an address a login already holds: its owner is told, nothing else changes.

    `password` (step 2's) is hashed and thrown away, so this answer takes as long as a registration's."""
    if password is not None:
        hash_password(password)
    holder = db.session.scalar(select(User).where(User.email_key == email.casefold()))
    if holder is None:
        return None
    audit.record("registration.email_in_use", ip=ip, target=holder, account=account.number if account else None)
    return queue_letter(
        "registration_attempt",
        to=holder.email,
        subject=_l("Someone tried to register with your email address"),
        template="registration_attempt",
        language=holder.language,
        user_id=holder.id,
        phone=current_app.config["SUPPLIER_PHONE"],
    )


# ---- uniqueness, ignoring the unactivated registration that a new one replaces -------------------------


def _stale_cutoff():
    return utcnow() - timedelta(seconds=current_app.config["ACTIVATION_MAX_AGE"])


def login_holder(login: str, replaces: User | None = None) -> User | None:
    """The login that holds this one's confusable skeleton (the same login, or one that looks like it), if
    any still holds it (docs/security.md, "Logins and look-alikes")."""
    user = db.session.scalar(select(User).where(User.login_skeleton == login_skeleton(login)))
    return user if _holds(user, replaces) else None


def login_taken(login: str, replaces: User | None = None) -> bool:
    return login_holder(login, replaces) is not None


def login_taken_message(login: str, replaces: User | None = None) -> str | None:
    """None when the login is free; else "taken", or "looks like one taken" when only the skeleton matches."""
    holder = login_holder(login, replaces)
    if holder is None:
        return None
    if holder.login_key == login_key(login):
        return _l("This login is taken. Choose another one.")
    return _l("This login looks too much like one already taken. Choose another one.")


def email_taken(email: str, replaces: User | None = None) -> bool:
    user = db.session.scalar(select(User).where(User.email_key == email.casefold()))
    return _holds(user, replaces)


def _holds(user: User | None, replaces: User | None) -> bool:
    """A name is held by an activated login, or by a registration still waiting for its activation."""
    if user is None or (replaces is not None and user.id == replaces.id):
        return False
    return user.activated_at is not None or user.created_at > _stale_cutoff()


def unactivated_holder(account_id: int) -> User | None:
    return db.session.scalar(
        select(User)
        .join(UserAccount, UserAccount.user_id == User.id)
        .where(UserAccount.account_id == account_id, User.activated_at.is_(None))
    )


def _drop_stale(skeleton: str, email_key: str) -> None:
    """Unactivated registrations past their link's age give up the login (and its look-alikes) and email they
    held."""
    for user in db.session.scalars(
        select(User).where(
            (User.login_skeleton == skeleton) | (User.email_key == email_key),
            User.activated_at.is_(None),
            User.created_at <= _stale_cutoff(),
        )
    ):
        db.session.delete(user)


@dataclass
class NewLogin:
    login: str
    phone: str
    email: str
    password: str
    language: str


def release_from_unactivated(account: PersonalAccount, *, ip: str | None, actor_id: int | None = None) -> None:
    """An account held by a registration never activated is taken back from it (its link then dies)."""
    replaced = unactivated_holder(account.id)
    if replaced is not None:
        audit.record("registration.replaced", actor_id=actor_id, ip=ip, target=replaced, account=account.number)
        db.session.execute(delete(UserAccount).where(UserAccount.user_id == replaced.id))
        db.session.delete(replaced)
        db.session.flush()


def attach_account(user: User, account: PersonalAccount, *, ip: str | None) -> None:
    """A second personal account under a login already in use (the cabinet's "add another account")."""
    release_from_unactivated(account, ip=ip, actor_id=user.id)
    db.session.add(UserAccount(user_id=user.id, account_id=account.id))
    spend_proofs(account.id)
    audit.record("cabinet.account_added", actor_id=user.id, ip=ip, target=account)


def new_login(data: NewLogin) -> User:
    """The unactivated login of a registration (household or company), flushed; the caller adds what it holds."""
    _drop_stale(login_skeleton(data.login), data.email.casefold())
    db.session.flush()
    user = User(
        login=data.login,  # login_key and login_skeleton follow from it (vez.identity.logins)
        email=data.email,
        email_key=data.email.casefold(),
        phone=data.phone,
        password_hash=hash_password(data.password),
        language=data.language,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_registration(account: PersonalAccount, data: NewLogin, *, ip: str | None) -> User:
    """The unactivated login, its account and its activation letter, in the caller's one transaction."""
    release_from_unactivated(account, ip=ip)
    user = new_login(data)
    db.session.add(UserAccount(user_id=user.id, account_id=account.id))
    spend_proofs(account.id)
    audit.record("registration.created", actor_id=user.id, ip=ip, target=user, account=account.number)
    send_activation_letter(user, kind=ACTIVATION_LETTER)
    return user
