"""Configuration defaults; every key can be overridden as an environment variable VEZ_<KEY>."""

from __future__ import annotations

from datetime import date, timedelta

DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production"


class Config:
    # "development" (make run), "testing" (the suite) or "production" (gunicorn).
    ENV_MODE = "development"
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # None: vez.sqlite3 in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SERVER_NAME = None
    PREFERRED_URL_SCHEME = "https"
    # Hosts a request may name; links in letters are built from EXTERNAL_URL, never from Host.
    TRUSTED_HOSTS = None
    EXTERNAL_URL: str | None = None  # None: http://127.0.0.1:<FLASK_RUN_PORT, else 5000>, where `flask run` serves
    # Reverse proxies in front of the app; X-Forwarded-* is read only through ProxyFix with this count.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    # `make cluster`'s local demonstration (docs/security.md, "Local demonstration"): production with the demo
    # logins and the sandbox gateway allowed; refused unless EXTERNAL_URL is a loopback address.
    LOCAL_DEMO = False

    # The "vez" logger's level (its records go to stderr; vez.logs).
    LOG_LEVEL = "INFO"
    # "json" (one object a line, with the request id) or "text"; None: text in development, json otherwise.
    LOG_FORMAT: str | None = None

    MAX_CONTENT_LENGTH = 1024 * 1024  # 1 MiB; the admin upload route raises its own limit
    MAX_FORM_MEMORY_SIZE = 512 * 1024

    # Sessions: docs/security.md D.
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_RESIGN_SECONDS = 60  # an unchanged session cookie is signed and sent again once it is this old
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)  # idle timeout
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_NAME = "__Host-remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_SSL_STRICT = True

    # Passwords: docs/security.md A.
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19456  # KiB = 19 MiB
    ARGON2_PARALLELISM = 1

    # Rate limits (Flask-Limiter / limits syntax).
    RATELIMIT_STORAGE_URI = "memory://"  # production refuses it unless SINGLE_PROCESS (docs/security.md)
    SINGLE_PROCESS = False  # VEZ_SINGLE_PROCESS=1: one process serves the app; deploy/gunicorn.conf.py holds it to that
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_LOGIN = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 10 minutes"
    IDENTIFY_LIMIT_PER_ACCOUNT = "5 per day"
    IDENTIFY_LIMIT_PER_ADDRESS = "10 per hour"
    RESEND_LIMIT = "3 per hour"
    RECOVERY_LIMIT_PER_EMAIL = "3 per hour"
    RECOVERY_LIMIT_PER_ADDRESS = "10 per hour"
    # Step 2's answers (inline checks and posts; docs/security.md, "Step 2 and letters").
    REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION = "40 per 30 minutes"
    REGISTRATION_CHECK_LIMIT_PER_SESSION = "60 per hour"
    REGISTRATION_CHECK_LIMIT_PER_ADDRESS = "100 per hour"
    # Letters a visitor's action mails (registration, resend, email change, "someone tried").
    LETTER_LIMIT_PER_LOGIN = "3 per hour"
    LETTER_LIMIT_PER_RECIPIENT = "5 per hour"  # a registration's letter and the three resends its page offers
    LETTER_LIMIT_PER_ADDRESS = "10 per hour"
    # A last payment younger than this does not identify alone: the holder's surname too (docs/security.md).
    IDENTIFY_RECENT_PAYMENT_DAYS = 30

    # Tokens (seconds).
    ACTIVATION_MAX_AGE = 72 * 3600
    RESET_MAX_AGE = 3600
    IDENTIFICATION_MAX_AGE = 30 * 60
    EMAIL_CHANGE_MAX_AGE = 24 * 3600
    INVITATION_MAX_AGE = 7 * 24 * 3600  # a company invitation letter's link (docs/companies.md)
    INVITATION_LIMIT_PER_COMPANY = "20 per day"  # invitations one company may send (a race-free counter)
    # The read-only API (docs/api.md): every request of one token counts, 304s too (a race-free counter).
    API_LIMIT_PER_TOKEN = "60 per minute"
    API_PAGE_SIZE = 24  # items of a list page when `limit` is not given (two years of months)
    API_PAGE_MAX = 100  # the largest `limit` a list accepts
    PAY_LINK_MAX_AGE = 45 * 24 * 3600  # the one-tap pay link of a letter (docs/payments.md, "One-tap pay links")
    # Every identification and recovery answer takes at least this long, whatever the outcome
    # (docs/security.md B11, C19).
    IDENTIFY_ANSWER_SECONDS = 0.35
    RECOVERY_ANSWER_SECONDS = 0.35

    # Languages.
    LANGUAGES = ("uk", "en")
    BABEL_DEFAULT_LOCALE = "uk"
    BABEL_DEFAULT_TIMEZONE = "Europe/Kyiv"
    BABEL_TRANSLATION_DIRECTORIES: str | None = None  # None: the translations/ vez ships with (vez.resources)

    # Mail: letters are rows of the outbox; a sender drains it.
    MAIL_SERVER = None  # None: letters stay in the outbox (the dev page lists them)
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_TIMEOUT = 5  # seconds; Flask-Mail sets none
    MAIL_DEFAULT_SENDER = "ТОВ «Волиньелектрозбут» <noreply@ok.elektro.volyn.ua>"
    MAIL_SEND_INLINE = True  # development without Redis: a thread sends the request's letters after the answer
    MAIL_CLAIM_SECONDS = 600  # a sender's claim on its batch of letters; a killed sender's letters wait this long

    # Compression (Flask-Compress).
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 300
    COMPRESS_REGISTER = True
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/plain",
        "application/javascript",
        "text/javascript",
        "image/svg+xml",
        "application/json",
        "text/csv",
    ]

    # The supplier, as printed on bills; development defaults pass their own checksums.
    SUPPLIER_NAME = "ТОВ «Волиньелектрозбут»"
    SUPPLIER_SHORT_NAME = "ТОВ «ВЕЗ»"
    SUPPLIER_EDRPOU = "42104931"
    SUPPLIER_IBAN = "UA213223130000026007233566001"
    SUPPLIER_BANK = "АТ «Ощадбанк»"
    SUPPLIER_ADDRESS = "43010, м. Луцьк, вул. Лесі Українки, 30"
    SUPPLIER_PHONE = "0 800 300 521"
    SUPPLIER_SITE_URL = "https://elektro.volyn.ua/"
    SERVICE_CENTRES_URL = "https://elektro.volyn.ua/tsok/"
    DSO_NAME = "ПрАТ «Волиньобленерго»"
    DSO_CABINET_URL = "https://energo.volyn.ua/home"
    # The brand (vez/brand.py): a value that differs by language is a dict keyed by language. Another supplier sets
    # these (and SUPPLIER_*) instead of editing templates; BRAND_LOGO is a path to an .svg/.png/.webp file (None: the
    # Volyn logo vez ships). Colours are #rrggbb with at least 4.5:1 on white (checked at start).
    BRAND_NAME: str | dict[str, str] = {"uk": "ВОЛИНЬЕЛЕКТРОЗБУТ", "en": "VOLYNELEKTROZBUT"}
    BRAND_SHORT_NAME: str | dict[str, str] = {"uk": "ВЕЗ", "en": "VEZ"}
    BRAND_LOGO: str | None = None
    BRAND_COLOR = "#0b5394"
    BRAND_INK_COLOR = "#1b2430"
    DSO_DEBT_CUTOFF = date(2019, 1, 1)  # debts from before it are the DSO's (the 2019 market reform)

    # Payments.
    PAYMENT_PROVIDER = "sandbox"
    SANDBOX_PUBLIC_KEY = "sandbox-public"
    SANDBOX_PRIVATE_KEY = "sandbox-private-key-for-development"
    LIQPAY_PUBLIC_KEY = ""
    LIQPAY_PRIVATE_KEY = ""
    LIQPAY_SANDBOX = False
    LIQPAY_VERSION = 3  # 3 signs with SHA-1; 7 and later with SHA3-256
    LIQPAY_CHECKOUT_URL = "https://www.liqpay.ua/api/3/checkout"
    LIQPAY_API_URL = "https://www.liqpay.ua/api/request"
    PAYMENT_MIN_AMOUNT = 100  # kopiykas: 1.00 UAH
    PAYMENT_MAX_AMOUNT = 10_000_000  # kopiykas: 100 000.00 UAH
    # Seconds an order may stay unfinished (created or pending) before `payments reconcile` asks the gateway and
    # closes it as the gateway says (expired when it knows nothing): docs/payments.md, "Reconciliation".
    PAYMENT_PENDING_TTL_SECONDS = 1800
    PAYMENT_HTTP_TIMEOUT = 10  # seconds, status requests to the gateway
    # docs/security.md, "Per-login caps": unpaid online orders a login may have started within
    # PAYMENT_PENDING_TTL_SECONDS, and certificates of no debt a login may request in 24 hours.
    PAYMENT_PENDING_ORDERS_MAX = 5
    # Autopay (docs/payments.md, "Autopay"): a bill is charged from this day of the month after the billed one
    # (the bills job makes it on day 1) until its due date; a decline is retried once, on a later day.
    AUTOPAY_DAY = 2
    CERTIFICATES_PER_DAY = 10
    # One-tap pay links: "Pay" presses per address, and unfinished link orders per bill (docs/payments.md).
    PAY_LINK_LIMIT_PER_ADDRESS = "20 per hour"
    PAY_LINK_ORDERS_MAX = 5
    # Reminders (vez.reminders): days before the due date, and how late a missed "overdue" notice still goes.
    REMINDER_DAYS_BEFORE_DUE = 3
    REMINDER_OVERDUE_WITHIN_DAYS = 7
    # Extra origins for the CSP form-action (the gateway's checkout); the payments part adds LiqPay's.
    CSP_FORM_ACTION_EXTRA: list[str] = []

    # Admin second factor issuer name shown in authenticator apps.
    TOTP_ISSUER = "vez"
    TOTP_LIMIT = "5 per 15 minutes"  # wrong second-factor codes per staff login
    # How long a staff session's accepted code opens the panel (docs/security.md, "Sessions bound to a second
    # factor"); then the code is asked again.
    STAFF_SECOND_FACTOR_MAX_AGE = timedelta(hours=12)
    # The admin's CSV upload: its own body limit; files wait in IMPORT_UPLOAD_DIR (default instance/imports).
    IMPORT_MAX_BYTES = 256 * 1024 * 1024
    IMPORT_UPLOAD_DIR = None
    # Background jobs (docs/architecture.md, "Background jobs"): with a Redis URL they go to RQ and
    # `flask --app vez jobs worker` runs them; without one they run in a thread of the web process.
    JOBS_REDIS_URL = None
    JOBS_QUEUE = "vez"
    JOBS_RETRIES = 3
    JOBS_RETRY_INTERVALS = [10, 60, 300]  # seconds before each retry
    JOBS_TIMEOUT = 3600  # seconds a job may run (a million-row import takes minutes)
    # `flask --app vez jobs scheduler` (vez.scheduler): each job once per period across every scheduler. An entry
    # is {"job": dotted name, "every": seconds} or {"job": ..., "day": 1-28, "hour": 0-23} (monthly, in
    # BABEL_DEFAULT_TIMEZONE, given the month before); null turns one off. VEZ_JOBS_SCHEDULE='{...}' replaces
    # it, VEZ_JOBS_SCHEDULE__bills__day=3 changes one value.
    JOBS_SCHEDULE = {
        "outbox": {"job": "vez.mail.send_due_job", "every": 60},
        "reconcile": {"job": "vez.payments.settle.reconcile_job", "every": 300},
        "bills": {"job": "vez.billing.monthly_bills_job", "day": 1, "hour": 6},
        "reminders": {"job": "vez.reminders.reminders_job", "hour": 9},
        "autopay": {"job": "vez.payments.autopay.autopay_job", "hour": 10},
    }
    JOBS_SCHEDULE_KEEP_DAYS = 90  # scheduled_runs rows older than this are deleted (longer than any period)
    # The public pages' cache (vez.pagecache): shared on this Redis by every worker and host, else in the
    # process. A staff edit of what they show invalidates them at once; the lifetime is the backstop.
    CACHE_REDIS_URL = None
    PAGE_CACHE_SECONDS = 60
    PAGE_CACHE_RETRY_SECONDS = 30  # a cache that did not answer is skipped this long (pages are rendered)
    # vez.rendercache: the logged-in pages rendered once per login, page, language and data, per worker (0: off).
    RENDER_CACHE_BYTES = 16 * 1024 * 1024
    RENDER_CACHE_STRICT = False  # a page that reads the database while rendering is an error (the tests)


class TestingConfig(Config):
    ENV_MODE = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-long-enough-0123456789"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    MAIL_SEND_INLINE = False
    IDENTIFY_ANSWER_SECONDS = 0.0
    RECOVERY_ANSWER_SECONDS = 0.0
    RATELIMIT_STORAGE_URI = "memory://"
    EXTERNAL_URL = "https://cabinet.test"
    SERVER_NAME = None
    RENDER_CACHE_STRICT = True


def is_flag_on(value) -> bool:
    """A yes/no setting stated on: 1 or true (VEZ_SINGLE_PROCESS, VEZ_LOCAL_DEMO); anything else is off."""
    return str(value).strip().lower() in ("1", "true")


def is_loopback_url(url: str | None) -> bool:
    """The URL names this machine only: 127.0.0.1 (any 127.x), ::1 or localhost."""
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(url or "").hostname
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_weak_secret(key: str | None) -> bool:
    return not key or key == DEV_SECRET_KEY or len(key) < 32
