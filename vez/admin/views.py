"""The panel's views: staff only (operator reads, resends letters and unlocks; admin does everything).

docs/security.md 31: anonymous visitors are sent to the login page, consumers get 403, no view shows a hash,
a token, a TOTP secret or a letter's body (its links carry tokens), and every write is audited with
who, what, before and after (vez.admin.staff).
"""

from __future__ import annotations

import enum
import functools
import math
import re
from datetime import datetime
from decimal import Decimal

from flask import (
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import filters as model_filters
from flask_admin.model import typefmt
from flask_babel import format_date, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import BigInteger, Enum, Integer, SmallInteger, select
from sqlalchemy import inspect as sa_inspect
from werkzeug.utils import secure_filename
from wtforms import SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import AnyOf, ValidationError
from wtforms.widgets import Select

from vez import audit, jobs, labels, reminders
from vez.admin import importing, staff, stats
from vez.admin.forms import DisconnectionForm, MoneyField, ReasonForm, UploadForm
from vez.converters import ID_MAX
from vez.extensions import db
from vez.htmx import is_partial_request
from vez.identity.contact import PhoneRule
from vez.identity.sessions import second_factor_passed
from vez.ledger import recompute_balances
from vez.models import (
    AutopayAttempt,
    Bill,
    Charge,
    Disconnection,
    ImportRun,
    Letter,
    Payment,
    PersonalAccount,
    Role,
    User,
    UserAccount,
)
from vez.models.base import Thousandths
from vez.money import MoneyError, format_money, parse_kopiykas
from vez.payments import settle
from vez.scheduler import latest_runs

ID_TEXT = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
WRITE_VIEWS = frozenset({"create_view", "edit_view", "delete_view", "action_view", "ajax_update"})


def is_staff() -> bool:
    """A staff login whose session passed the second factor (docs/security.md, "Sessions bound to a second
    factor"): every panel view, the import upload and every staff-only route ask this, never the role alone."""
    return bool(
        has_request_context()
        and current_user.is_authenticated
        and current_user.is_staff
        and second_factor_passed(current_user)
    )


def is_admin() -> bool:
    return is_staff() and current_user.role is Role.admin


def may_upload_large() -> bool:
    """An admin whose session the second factor opened: the import's own body limit applies (docs/security.md)."""
    return is_admin()


def ip() -> str | None:
    return request.remote_addr


class StaffOnly:
    """Who may open the panel at all, and what the others get."""

    def is_accessible(self) -> bool:
        return is_staff()

    def inaccessible_callback(self, name, **kwargs):
        target = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
        if current_user.is_authenticated and current_user.is_staff:
            return redirect(url_for("auth.second_factor", next=target))  # no second factor in this session
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login_page", next=target))


def _local_time(view, value, name) -> str:
    """Timestamps are stored as naive UTC; staff read them in the supplier's time zone (Flask-Babel's)."""
    return to_user_timezone(value).strftime("%Y-%m-%d %H:%M:%S")


def _label(view, value, name) -> str:
    """An enum by its word in the staff's language (vez.labels), never its code."""
    return labels.label(value)


def _yes_no(view, value, name) -> str:
    """Yes or No in words (Flask-Admin's icon had only an English title, "paperless: true")."""
    return labels.yes_no(value)


TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: _local_time, enum.Enum: _label, bool: _yes_no}
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: _local_time, enum.Enum: _label, bool: _yes_no}


def _money(view, context, model, name):
    return format_money(getattr(model, name))


def _by(word):
    """A column formatter: the stored code through one of vez.labels' tables."""
    return lambda view, context, model, name: word(getattr(model, name))


def _money_filter_value(value: str) -> int:
    """A filter's amount is typed in hryvnias as we print them (`1 234,56`), and compared in kopiykas."""
    return parse_kopiykas(value, signed=True)


def _money_filter_valid(value: str) -> bool:
    try:
        _money_filter_value(value)
    except MoneyError:
        return False
    return True


# ---- what a URL or a form may hand the database (docs/security.md, admin inputs) ----------------------
MAX_PAGE = 10**9  # × the largest page size stays far inside a 64-bit OFFSET
MONEY_DIGITS = 15  # BigInteger columns (kopiykas, thousandths): the import's 12 digits and the point, summable


def storable_range(column_type) -> tuple[int, int, int] | None:
    """(lowest, highest, scale) of the integers a column of this type stores; None for other types."""
    scale = 1
    if isinstance(column_type, Thousandths):
        scale, column_type = 1000, column_type.impl_instance
    if isinstance(column_type, BigInteger):
        return -(10**MONEY_DIGITS - 1), 10**MONEY_DIGITS - 1, scale
    if isinstance(column_type, SmallInteger):
        return -(2**15), 2**15 - 1, scale
    if isinstance(column_type, Integer):  # PostgreSQL's integer: 32 bits
        return -(2**31), 2**31 - 1, scale
    return None


def storable(value, bounds: tuple[int, int, int]) -> bool:
    lowest, highest, scale = bounds
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return (not isinstance(value, Decimal) or value.is_finite()) and lowest <= value * scale <= highest
    if isinstance(value, float):
        return math.isfinite(value) and lowest <= value * scale <= highest
    return True


def valid_filter_value(flt, validate, value: str) -> bool:
    """Flask-Admin's own check, then: the filter's clean() must not raise (an unknown enum name did, in
    apply), and what it gives must fit the column (9223372036854775808 overflowed SQLite's INTEGER)."""
    if "\x00" in value:
        return False
    try:
        if not validate(value):
            return False
        cleaned = flt.clean(value)
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return False
    bounds = storable_range(getattr(getattr(flt, "column", None), "type", None))
    values = cleaned if isinstance(cleaned, (list, tuple)) else [cleaned]
    return bounds is None or all(storable(v, bounds) for v in values)


class Storable:
    """A form's number within what its column stores: a message, not the database's error."""

    def __init__(self, bounds: tuple[int, int, int]) -> None:
        self.bounds = bounds

    def __call__(self, form, field) -> None:
        if field.data is not None and not storable(field.data, self.bounds):
            lowest, highest, scale = self.bounds
            raise ValidationError(
                _("A number from %(min)s to %(max)s", min=Decimal(lowest) / scale, max=Decimal(highest) / scale)
            )


class StaffModelView(StaffOnly, ModelView):
    """Read for every staff member; create/edit/delete only where the view allows it, and only for admins."""

    creatable = editable = deletable = False
    can_view_details = True
    can_export = False
    can_set_page_size = True
    page_size = 50
    list_template = "admin/vez_list.html"
    action_disallowed_list = ["delete"]  # bulk actions need inline JavaScript the CSP refuses
    details_template = "admin/vez_details.html"
    details_extra: str | None = None
    money_columns: tuple[str, ...] = ()  # integer kopiykas: shown, filtered and edited in hryvnias
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS

    @property
    def can_create(self) -> bool:
        return self.creatable and is_admin()

    @property
    def can_edit(self) -> bool:
        return self.editable and is_admin()

    @property
    def can_delete(self) -> bool:
        return self.deletable and is_admin()

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if name in WRITE_VIEWS and not is_admin():
            abort(403)
        return None

    def on_model_change(self, form, model, is_created):
        before, after = staff.changes(model)
        db.session.flush()  # a new row gets its id
        if is_created:
            before, after = {}, staff.snapshot(model)
        staff.record_change(
            f"admin.{model.__tablename__}_{'created' if is_created else 'edited'}",
            model,
            actor_id=current_user.id,
            ip=ip(),
            before=before,
            after=after,
        )

    def on_model_delete(self, model):
        staff.record_change(
            f"admin.{model.__tablename__}_deleted",
            model,
            actor_id=current_user.id,
            ip=ip(),
            before=staff.snapshot(model),
            after={},
        )

    def scaffold_filters(self, name):
        filters = super().scaffold_filters(name)
        if filters and name in self.money_columns:
            # An amount list would split "12,30" at its decimal comma: amounts compare one at a time.
            filters = [flt for flt in filters if not isinstance(flt, model_filters.BaseIntListFilter)]
        for flt in filters or ():
            column_type = getattr(getattr(flt, "column", None), "type", None)
            enum_class = getattr(column_type, "enum_class", None)
            if enum_class in labels.ENUMS and not isinstance(flt, model_filters.BaseBooleanFilter):
                flt.options = labels.choices(enum_class)
            if name in self.money_columns and not flt.options:
                flt.clean = _money_filter_value
                flt.validate = _money_filter_valid
            flt.validate = functools.partial(valid_filter_value, flt, flt.validate)
        return filters

    def scaffold_form(self):
        form_class = super().scaffold_form()
        for column in self.model.__table__.columns:
            field, bounds = getattr(form_class, column.key, None), storable_range(column.type)
            if not isinstance(field, UnboundField):
                continue
            if bounds is not None:
                field.kwargs["validators"] = [*field.kwargs.get("validators", ()), Storable(bounds)]
            if isinstance(column.type, Enum) and column.type.enum_class in labels.ENUMS:
                # The words, not the codes; a plain <select> (Select2's focus input had role=button: axe-core).
                field.kwargs["choices"] = labels.choices(column.type.enum_class)
                field.kwargs["widget"] = Select()
        return form_class

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        if not (isinstance(args.page, int) and 0 <= args.page <= MAX_PAGE):
            args.page = 0  # -1 and 99999999999999999999 reached OFFSET
        if args.search:
            args.search = args.search.replace("\x00", "")  # PostgreSQL refuses NUL in a string
        return args

    def get_one(self, id):
        """A row by the id in ?id=: one the column cannot hold is no row (PostgreSQL refused 'x' with an error)."""
        [key] = self.model.__mapper__.primary_key
        if storable_range(key.type) is not None and (
            not (isinstance(id, str) and ID_TEXT.fullmatch(id)) or int(id) > ID_MAX
        ):
            return None
        return super().get_one(id)

    def render(self, template, **kwargs):
        kwargs.setdefault("details_extra", self.details_extra)
        kwargs.setdefault("is_admin", is_admin())
        return super().render(template, **kwargs)


class SubdivisionView(StaffModelView):
    creatable = editable = True
    column_list = ("code", "name_uk", "name_en", "service", "kind", "sort_order")
    column_details_list = column_list
    form_columns = column_list
    column_searchable_list = ("code", "name_uk", "name_en")
    column_default_sort = "sort_order"
    column_labels = {
        "code": _l("Code"),
        "name_uk": _l("Name (Ukrainian)"),
        "name_en": _l("Name (English)"),
        "service": _l("Service"),
        "kind": _l("Kind"),
        "sort_order": _l("Order"),
    }


class AccountView(StaffModelView):
    editable = True
    column_list = ("number", "holder_name", "address", "subdivision.code", "service", "meter_number", "balance")
    column_details_list = (
        "number",
        "subdivision.code",
        "service",
        "holder_name",
        "address",
        "meter_number",
        "balance",
        "created_at",
    )
    form_columns = ("holder_name", "address", "meter_number")
    column_searchable_list = ("number", "holder_name", "address")
    column_filters = ("service", "subdivision.code", "balance")
    money_columns = ("balance",)
    column_default_sort = "number"
    column_formatters = {"balance": _money}
    column_formatters_detail = {"balance": _money}
    column_labels = {
        "number": _l("Account"),
        "holder_name": _l("Holder"),
        "address": _l("Address"),
        "subdivision.code": _l("Subdivision"),
        "service": _l("Service"),
        "meter_number": _l("Meter"),
        "balance": _l("Balance"),
        "created_at": _l("Created"),
    }
    details_extra = "admin/_account_history.html"

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs.update(_disconnection_context(model))
            kwargs["charges"] = db.session.scalars(
                select(Charge).where(Charge.account_id == model.id).order_by(Charge.month.desc()).limit(36)
            ).all()
            kwargs["bills"] = db.session.scalars(
                select(Bill).where(Bill.account_id == model.id).order_by(Bill.month.desc()).limit(36)
            ).all()
            kwargs["payments"] = db.session.scalars(
                select(Payment).where(Payment.account_id == model.id).order_by(Payment.paid_at.desc()).limit(50)
            ).all()
            kwargs["logins"] = db.session.scalars(
                select(User).join(UserAccount, UserAccount.user_id == User.id).where(UserAccount.account_id == model.id)
            ).all()
            kwargs["identification_locked"] = staff.identification_locked(model.id)
        return super().render(template, **kwargs)

    @expose("/<id:account_id>/unlock-identification", methods=["POST"])
    def unlock_identification(self, account_id: int):
        """docs/security.md B12: the call centre lifts the 5-wrong-answers lock of an account (operators too)."""
        account = db.get_or_404(PersonalAccount, account_id)
        cleared = staff.unlock_identification(account.id, actor_id=current_user.id, ip=ip())
        db.session.commit()
        flash(
            _("The identification of this account is unlocked.")
            if cleared
            else _("Nothing to do: the account's identification is not locked."),
            "success" if cleared else "warning",
        )
        return redirect(url_for(".details_view", id=account_id), code=303)

    @expose("/<id:account_id>/disconnection", methods=["POST"])
    def schedule_disconnection(self, account_id: int):
        """Schedule a disconnection for debt (admins): the warning goes at once, the date keeps the notice."""
        if not is_admin():
            abort(403)
        account = db.get_or_404(PersonalAccount, account_id)
        form = DisconnectionForm()
        if not form.validate_on_submit():
            flash(_("Give the date of the disconnection."), "error")
            return redirect(url_for(".details_view", id=account_id), code=303)
        today = reminders.local_today()
        done = reminders.schedule_disconnection(account, form.planned_on.data, today, actor_id=current_user.id, ip=ip())
        db.session.commit()
        earliest = format_date(reminders.earliest_disconnection(today), "medium")
        messages = {
            reminders.Scheduled.scheduled: (
                _("The disconnection is scheduled and the warning is sent.")
                if done.warned
                else _("The disconnection is scheduled. The account has no login to warn by email: warn on paper.")
            ),
            reminders.Scheduled.no_debt: _("The account owes nothing: there is no debt to disconnect for."),
            reminders.Scheduled.weekend: _("A disconnection is planned for a working day, Monday to Friday."),
            reminders.Scheduled.too_soon: _(
                "The warning must come at least 10 working days before: the earliest date is %(day)s.", day=earliest
            ),
            reminders.Scheduled.already: _("A disconnection of this account is scheduled already."),
        }
        flash(messages[done.outcome], "success" if done.outcome is reminders.Scheduled.scheduled else "warning")
        return redirect(url_for(".details_view", id=account_id), code=303)


def _disconnection_context(account: PersonalAccount) -> dict:
    rows = db.session.scalars(
        select(Disconnection).where(Disconnection.account_id == account.id).order_by(Disconnection.id.desc())
    ).all()
    today = reminders.local_today()
    return {
        "disconnections": [(row, reminders.warning_sent_at(row.id)) for row in rows],
        "disconnection_form": DisconnectionForm(formdata=None, planned_on=reminders.earliest_disconnection(today)),
        "earliest_disconnection": reminders.earliest_disconnection(today),
    }


class DisconnectionView(StaffModelView):
    """Disconnections for debt staff scheduled, with their warning's state; an admin cancels one here."""

    column_list = ("account.number", "planned_on", "debt", "warning", "created_at", "cancelled_at")
    column_details_list = column_list
    column_searchable_list = ("account.number",)
    column_filters = ("planned_on", "cancelled_at")
    money_columns = ("debt",)
    column_default_sort = ("planned_on", True)
    column_formatters = {
        "debt": _money,
        "warning": lambda view, context, model, name: _warning_state(model),
    }
    column_formatters_detail = column_formatters
    column_labels = {
        "account.number": _l("Account"),
        "planned_on": _l("Disconnection date"),
        "debt": _l("Debt"),
        "warning": _l("Warning"),
        "created_at": _l("Scheduled"),
        "cancelled_at": _l("Cancelled"),
    }
    details_extra = "admin/_disconnection_cancel.html"

    @expose("/<id:disconnection_id>/cancel", methods=["POST"])
    def cancel(self, disconnection_id: int):
        if not is_admin():
            abort(403)
        disconnection = db.get_or_404(Disconnection, disconnection_id)
        if reminders.cancel_disconnection(disconnection, actor_id=current_user.id, ip=ip()):
            db.session.commit()
            flash(_("The disconnection is cancelled."), "success")
        else:
            flash(_("Nothing to do: the disconnection is cancelled already."), "warning")
        return redirect(url_for(".details_view", id=disconnection_id), code=303)


def _warning_state(model: Disconnection) -> str:
    sent = reminders.warning_sent_at(model.id)
    if sent is not None:
        return _("Sent %(when)s", when=_local_time(None, sent, None))
    return _("Not sent: no login with an email")


class UserView(StaffModelView):
    editable = True
    column_list = ("login", "email", "phone", "role", "activated_at", "locked_at", "last_login_at", "created_at")
    column_details_list = (
        "login",
        "email",
        "phone",
        "role",
        "language",
        "paperless",
        "created_at",
        "activated_at",
        "locked_at",
        "locked_reason",
        "last_login_at",
    )
    form_columns = ("phone", "role", "language", "paperless")
    form_overrides = {"language": SelectField}
    form_args = {
        "phone": {"validators": [PhoneRule()]},
        "language": {"validators": [AnyOf(tuple(labels.LANGUAGES))], "choices": list(labels.LANGUAGES.items())},
    }
    column_formatters = {"language": _by(labels.language)}
    column_searchable_list = ("login", "email", "phone")
    column_filters = ("role", "activated_at", "locked_at", "created_at")
    column_default_sort = ("created_at", True)
    column_labels = {
        "login": _l("Login"),
        "email": _l("Email"),
        "phone": _l("Phone"),
        "role": _l("Role"),
        "activated_at": _l("Activated"),
        "locked_at": _l("Locked"),
        "last_login_at": _l("Last login"),
        "created_at": _l("Registered"),
        "language": _l("Language"),
        "paperless": _l("Paperless"),
        "locked_reason": _l("Lock reason"),
    }
    details_extra = "admin/_user_operations.html"

    def on_model_change(self, form, model, is_created):
        # docs/security.md (upload limit): a new role is taken up at the next login (staff through the second
        # factor); the sessions opened under the old one end here instead of carrying the new role.
        if sa_inspect(model).attrs.role.history.has_changes():
            model.session_version += 1
        super().on_model_change(form, model, is_created)

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs["operations"] = [
                (name, label)
                for name, (_fn, admins, label) in staff.USER_OPERATIONS.items()
                if is_admin() or not admins
            ]
            kwargs["lock_form"] = ReasonForm()
        return super().render(template, **kwargs)

    @expose("/<id:user_id>/do/<operation>", methods=["POST"])
    def operate(self, user_id: int, operation: str):
        user = db.get_or_404(User, user_id)
        if operation == "lock":
            if not is_admin():
                abort(403)
            form = ReasonForm()
            if not form.validate_on_submit():
                flash(_("Give the reason for locking."), "error")
                return redirect(url_for(".details_view", id=user_id), code=303)
            done = staff.lock(user, form.reason.data, actor_id=current_user.id, ip=ip())
        else:
            fn, admins_only, _label = staff.USER_OPERATIONS.get(operation, (None, True, None))
            if fn is None:
                abort(404)
            if admins_only and not is_admin():
                abort(403)
            done = fn(user, actor_id=current_user.id, ip=ip())
        db.session.commit()
        flash(
            _("Done.") if done else _("Nothing to do: the login is already in that state."),
            "success" if done else "warning",
        )
        return redirect(url_for(".details_view", id=user_id), code=303)


class ChargeView(StaffModelView):
    editable = True
    column_list = ("account.number", "month", "volume", "unit", "tariff", "amount", "reading_start", "reading_end")
    column_details_list = column_list
    form_columns = ("volume", "tariff", "amount", "reading_start", "reading_end")
    form_overrides = {"amount": MoneyField}
    money_columns = ("amount",)
    column_searchable_list = ("account.number",)
    column_filters = ("month", "amount")
    column_default_sort = ("month", True)
    column_formatters = {"amount": _money, "unit": _by(labels.unit)}
    column_formatters_detail = column_formatters
    column_labels = {
        "account.number": _l("Account"),
        "month": _l("Month"),
        "volume": _l("Volume"),
        "unit": _l("Unit"),
        "tariff": _l("Tariff"),
        "amount": _l("Amount"),
        "reading_start": _l("Reading at the start"),
        "reading_end": _l("Reading at the end"),
    }

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        recompute_balances([model.account_id])


class BillView(StaffModelView):
    column_list = (
        "account.number",
        "month",
        "number",
        "opening_balance",
        "charged",
        "paid",
        "closing_balance",
        "due_date",
    )
    column_details_list = column_list + ("issued_on", "created_at")
    column_searchable_list = ("account.number", "number")
    column_filters = ("month",)
    column_default_sort = ("month", True)
    column_formatters = {c: _money for c in ("opening_balance", "charged", "paid", "closing_balance")}
    column_formatters_detail = column_formatters
    column_labels = {
        "account.number": _l("Account"),
        "month": _l("Month"),
        "number": _l("Bill"),
        "opening_balance": _l("Opening balance"),
        "charged": _l("Charged"),
        "paid": _l("Paid"),
        "closing_balance": _l("Closing balance"),
        "due_date": _l("Due"),
        "issued_on": _l("Issued"),
        "created_at": _l("Created"),
    }


class PaymentView(StaffModelView):
    column_list = ("account.number", "paid_at", "amount", "source", "status", "reference")
    column_details_list = column_list
    column_searchable_list = ("account.number", "reference")
    column_filters = ("status", "source", "paid_at", "amount")
    money_columns = ("amount",)
    column_default_sort = ("paid_at", True)
    column_formatters = {"amount": _money}
    column_formatters_detail = {"amount": _money}
    column_labels = {
        "account.number": _l("Account"),
        "paid_at": _l("Paid at"),
        "amount": _l("Amount"),
        "source": _l("Source"),
        "status": _l("Status"),
        "reference": _l("Reference"),
    }
    details_extra = "admin/_payment_reverse.html"

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs["reverse_form"] = ReasonForm()
        return super().render(template, **kwargs)

    @expose("/<id:payment_id>/reverse", methods=["POST"])
    def reverse(self, payment_id: int):
        if not is_admin():
            abort(403)
        payment = db.get_or_404(Payment, payment_id)
        form = ReasonForm()
        if not form.validate_on_submit():
            flash(_("Give the reason for the reversal."), "error")
        elif settle.reverse_by_staff(payment, form.reason.data, actor_id=current_user.id, ip=ip()):
            db.session.commit()
            flash(_("The payment is reversed; the account's balance is recomputed."), "success")
        else:
            flash(_("Only a received payment can be reversed."), "warning")
        return redirect(url_for(".details_view", id=payment_id), code=303)


def _last_attempt(view, context, model, name) -> str:
    """The account's newest autopay charge: when, how much, and how it ended."""
    attempt = db.session.scalar(
        select(AutopayAttempt).where(AutopayAttempt.account_id == model.account_id).order_by(AutopayAttempt.id.desc())
    )
    if attempt is None:
        return ""
    outcome = str(AUTOPAY_OUTCOMES.get(attempt.outcome, attempt.outcome or AUTOPAY_OUTCOMES[None]))
    return f"{attempt.run_on:%Y-%m-%d} · {format_money(attempt.amount)} · {outcome}"


AUTOPAY_OUTCOMES = {
    "paid": _l("Paid"),
    "declined": _l("Declined"),
    "skipped": _l("Nothing to charge"),
    "error": _l("Error"),
    None: _l("In progress"),
}


class AutopayView(StaffModelView):
    """Read-only: who pays which account by autopay, the cap and the card as the bank masks it; never the token."""

    column_list = ("account.number", "user.login", "max_amount", "card_mask", "consented_at", "last_attempt")
    column_details_list = column_list + ("consent_version", "card_saved_at")
    column_searchable_list = ("account.number",)
    column_default_sort = ("consented_at", True)
    money_columns = ("max_amount",)
    column_formatters = {"max_amount": _money, "last_attempt": _last_attempt}
    column_formatters_detail = column_formatters
    column_labels = {
        "account.number": _l("Account"),
        "user.login": _l("Login"),
        "max_amount": _l("Cap on one charge"),
        "card_mask": _l("Card"),
        "consented_at": _l("Since"),
        "last_attempt": _l("Last charge"),
        "consent_version": _l("Consent text"),
        "card_saved_at": _l("Card saved"),
    }


class LetterView(StaffModelView):
    column_list = ("kind", "recipient", "subject", "status", "attempts", "last_error", "created_at", "sent_at")
    column_details_list = column_list + ("next_attempt_at",)
    column_searchable_list = ("recipient", "kind")
    column_filters = ("status", "kind", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters = {"kind": _by(labels.letter_kind)}
    column_formatters_detail = column_formatters
    column_labels = {
        "kind": _l("Kind"),
        "recipient": _l("Recipient"),
        "subject": _l("Subject"),
        "status": _l("State"),
        "attempts": _l("Attempts"),
        "last_error": _l("Error"),
        "created_at": _l("Queued"),
        "sent_at": _l("Sent"),
        "next_attempt_at": _l("Next attempt"),
    }
    details_extra = "admin/_letter_resend.html"

    @expose("/<id:letter_id>/resend", methods=["POST"])
    def resend(self, letter_id: int):
        letter = db.get_or_404(Letter, letter_id)
        staff.resend_letter(letter, actor_id=current_user.id, ip=ip())
        db.session.commit()
        flash(_("The letter is queued again."), "success")
        return redirect(url_for(".details_view", id=letter_id), code=303)


class AuditView(StaffModelView):
    can_view_details = True
    column_list = ("at", "action", "actor_id", "ip", "target_type", "target_id", "data")
    column_details_list = column_list
    column_searchable_list = ("action", "target_id", "ip")
    column_filters = ("action", "actor_id", "target_type", "target_id", "at", "ip")
    column_default_sort = ("at", True)
    column_formatters = {"action": _by(labels.event), "target_type": _by(labels.target)}
    column_formatters_detail = {
        **column_formatters,
        "action": lambda view, context, model, name: f"{labels.event(model.action)} ({model.action})",
    }
    column_labels = {
        "at": _l("When"),
        "action": _l("Event"),
        "actor_id": _l("Who (login id)"),
        "ip": _l("Address"),
        "target_type": _l("Object"),
        "target_id": _l("Object id"),
        "data": _l("Details"),
    }


class Dashboard(StaffOnly, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render(
            "admin/vez_dashboard.html",
            figures=stats.figures(),
            is_admin=is_admin(),
            runs=db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(5)).all(),
            queue=jobs.dashboard_overview(),
            scheduled=latest_runs(),
        )

    @expose("/jobs/<job_id>/retry", methods=["POST"])
    def retry_job(self, job_id: str):
        """docs/security.md, "Retrying a job": an admin puts a job that failed for good back on the queue."""
        if not is_admin():
            abort(403)
        if not (jobs.redis_url() and jobs.JOB_ID.fullmatch(job_id)):
            abort(404)
        try:
            retried = jobs.retry_failed(job_id)
        except RedisError:
            flash(_("The job queue cannot be reached."), "error")
            return redirect(url_for(".index"), code=303)
        if retried:
            audit.record("admin.job_retried", actor_id=current_user.id, ip=ip(), target_type="job", target_id=job_id)
            db.session.commit()
            flash(_("The job is queued again."), "success")
        else:
            flash(_("Nothing to do: the job is not among the failed ones."), "warning")
        return redirect(url_for(".index"), code=303)


class ImportView(StaffOnly, BaseView):
    """Upload a CSV; the run goes on in the background and the page follows it (htmx polling)."""

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = UploadForm()
        status = 200
        if request.method == "POST":
            if not is_admin():
                abort(403)
            if form.validate_on_submit():
                upload = form.file.data
                name = secure_filename(upload.filename or "") or "upload.csv"
                run = importing.new_run(
                    form.kind.data,
                    name,
                    dry_run=form.dry_run.data,
                    skip_bad=form.skip_bad.data,
                    actor_id=current_user.id,
                )
                path = importing.upload_dir(current_app) / f"{run.id}.csv"
                try:
                    upload.save(path)
                finally:
                    upload.close()
                importing.start_in_background(run.id, path, locale=str(_locale()))
                return redirect(url_for(".run", run_id=run.id), code=303)
            status = 422
        runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(20)).all()
        return self.render("admin/vez_import.html", form=form, runs=runs, is_admin=is_admin()), status

    @expose("/runs/<id:run_id>")
    def run(self, run_id: int):
        run = db.get_or_404(ImportRun, run_id)
        stale = importing.is_stale(run)
        if is_partial_request():
            return render_template("admin/_import_progress.html", run=run, stale=stale)
        return self.render("admin/vez_import_run.html", run=run, stale=stale)


def _locale():
    from flask_babel import get_locale

    return get_locale()
