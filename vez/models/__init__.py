"""The domain model; importing this package registers every table on the metadata."""

from vez.models.account import Charge, PersonalAccount
from vez.models.audit import AuditEvent
from vez.models.autopay import Autopay, AutopayAttempt
from vez.models.base import Base, utcnow
from vez.models.bill import Bill
from vez.models.certificate import Certificate
from vez.models.company import (
    Company,
    CompanyCharge,
    CompanyDocument,
    CompanyInvitation,
    CompanyKind,
    CompanyMember,
    CompanyPayment,
    CompanyPaymentEntry,
    CompanyPaymentSource,
    CompanyRole,
    Contract,
    DocumentKind,
    MeteringPoint,
    PaymentForm,
)
from vez.models.importrun import ImportRun, ImportStatus
from vez.models.limit import LimitCounter
from vez.models.outbox import Letter, LetterStatus
from vez.models.payment import (
    RETRYABLE,
    UNFINISHED,
    EntryKind,
    Payment,
    PaymentBatch,
    PaymentChannel,
    PaymentEntry,
    PaymentSource,
    PaymentStatus,
)
from vez.models.registration import IdentificationFailure, IdentificationProof, ResetRequest
from vez.models.reminder import Disconnection, Reminder
from vez.models.sandbox import SandboxCard, SandboxPayment
from vez.models.schedule import ScheduledRun
from vez.models.subdivision import BranchKind, Service, Subdivision
from vez.models.token import ApiToken, ApiTokenAccount, ApiTokenCompany
from vez.models.user import Role, User, UserAccount

__all__ = [
    "ApiToken",
    "ApiTokenAccount",
    "ApiTokenCompany",
    "AuditEvent",
    "Base",
    "Bill",
    "Certificate",
    "BranchKind",
    "Charge",
    "Letter",
    "LetterStatus",
    "LimitCounter",
    "Payment",
    "PaymentSource",
    "PaymentStatus",
    "PersonalAccount",
    "Role",
    "Service",
    "Subdivision",
    "User",
    "UserAccount",
    "utcnow",
    "ImportRun",
    "ImportStatus",
    "IdentificationFailure",
    "IdentificationProof",
    "ResetRequest",
    "ScheduledRun",
    "EntryKind",
    "PaymentEntry",
    "PaymentBatch",
    "PaymentChannel",
    "RETRYABLE",
    "UNFINISHED",
    "Autopay",
    "AutopayAttempt",
    "Disconnection",
    "Reminder",
    "SandboxCard",
    "SandboxPayment",
    "Company",
    "CompanyCharge",
    "CompanyDocument",
    "CompanyInvitation",
    "CompanyKind",
    "CompanyMember",
    "CompanyPayment",
    "CompanyPaymentEntry",
    "CompanyPaymentSource",
    "CompanyRole",
    "Contract",
    "DocumentKind",
    "MeteringPoint",
    "PaymentForm",
]
