"""Settings shared by every environment, read from the environment.

With nothing configured this is the embedded default that `make run` uses: SQLite under var/,
Celery's filesystem transport under var/, email written to var/outbox/ and the console, and a
secret key and encryption key generated once into var/ and reused. Production (production.py)
insists on real values for all of these before it imports this module.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured

from practice.keys import embedded_secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PRACTICE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# --- Core -----------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or embedded_secret(VAR_DIR / "secret_key", kind="django")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PRACTICE_NAME = env.str("PRACTICE_NAME", default="Harbour Practice")
ALLOW_DEMO_DATA = env.bool("ALLOW_DEMO_DATA", default=True)
# Where the practice is reached: links in emails sent by workers (which have no request to ask).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Used instead of the practice's name where a member asked for discreet wording.
PRACTICE_DISCREET_NAME = env.str("PRACTICE_DISCREET_NAME", default=PRACTICE_NAME)
# The practice's details printed on invoices and statements (blank lines are left out).
PRACTICE_ADDRESS = env.str("PRACTICE_ADDRESS", default="")
PRACTICE_EMAIL = env.str("PRACTICE_EMAIL", default="")
PRACTICE_PHONE = env.str("PRACTICE_PHONE", default="")

# A form's fields are read into memory up to this size (files are not counted): the largest form
# (a 50,000-character note, or the intake's answers, at the worst 12 bytes a character once
# percent-encoded) stays well under it. A larger request gets the 413 page (practice.views.bad_request).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

INSTALLED_APPS = [
    "practice.apps.PracticeAdminConfig",  # django.contrib.admin with audited actions
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",  # the user's own list of sessions and "sign out other sessions"
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 css/js served by us, never a CDN
    "django_htmx",  # ships the htmx script (static/django_htmx/), served by us, never a CDN
    # Ours, from the ground up (docs/architecture.md): each imports only what is above it here.
    "practice",
    "outbox",
    "clients",
    "documents",
    "sessions_app",
    "referrals",
    "resources",
    "billing",
    "measures",
    "messaging",
    "frontdesk",
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice.middleware.RequestContextMiddleware",
    # Early, so its 503 page (database unreachable) passes through as few layers as possible.
    "practice.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) among LANGUAGES; a signed-in person's own choice
    # wins (practice.middleware.UserLocaleMiddleware, after authentication).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Messages before the session timeout, which tells the person why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "practice.session_security.NoStoreMiddleware",
    # Before usersessions, so an expired session is ended rather than recorded as active.
    "practice.session_security.SessionTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "practice.middleware.RequireSecondFactorMiddleware",
    "practice.middleware.ViewerTimezoneMiddleware",
    "practice.middleware.UserLocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "frontdesk.urls"
WSGI_APPLICATION = "practice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practice.context_processors.practice",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite's IMMEDIATE mode makes every atomic block take the write lock at its start, so two
# bookings cannot interleave their check and their insert (see docs/architecture.md).

DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'practice.sqlite3'}",
    )
}
# For the embedded default (local.py, and the benchmarks that measure it): the web server, the
# worker and beat share the file; in WAL mode readers never wait for the writer, and NORMAL syncs at
# checkpoints rather than at every commit (safe if any process crashes; the last commits can be lost
# on a power cut). The tests keep SQLite's defaults: their plaintext sweep reads the main file.
SQLITE_WAL = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"transaction_mode": "IMMEDIATE", "timeout": 20})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login and form rate limits live here) -------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by the web server and the worker that `make run` starts.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Drawn page parts that are the same for every visitor, kept by each process under a key made of what
# they are drawn from (the referral form's blank fields: referrals.views.public.blank_form_key). Never
# anything about a person; a restart (a deploy) empties it, so a changed template shows at once.
FRAGMENTS_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 50},
}
CACHES["fragments"] = FRAGMENTS_CACHE

# --- Users and sign-in ----------------------------------------------------------------------------

AUTH_USER_MODEL = "practice.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, each reading the signed-in person once per request (with the
    # therapist's profile and whether they have an authenticator app).
    "practice.auth_backends.ModelBackend",
    "practice.auth_backends.AuthenticationBackend",  # allauth's, own addresses only
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "practice.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "practice.adapters.user_display"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # nobody signs up: accounts are created by the practice
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session stays; every other one ends (session_security)
ACCOUNT_PREVENT_ENUMERATION = True
# A sign-in address changes only through a new, verified address (allauth's change-email flow), after
# re-entering the password; the old address is told, and so is the account on a password change.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PRACTICE_NAME}] "
# Rate limits are counted in the cache above: failed sign-ins per IP and per account, resets.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",  # key: the account *and* the address (AccountAdapter)
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
}

MFA_ADAPTER = "practice.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = PRACTICE_NAME
MFA_RECOVERY_CODE_COUNT = 10

# --- Sessions -------------------------------------------------------------------------------------
# Enforced on the server by practice.session_security.SessionTimeoutMiddleware: a session ends after
# this long without a request (shorter for everyone who can read clinical records), and in any case
# this long after sign-in. The cookie dies with the browser and never outlives the absolute limit.

SESSION_IDLE_MINUTES_STAFF = env.int("SESSION_IDLE_MINUTES_STAFF", default=15)  # therapists, staff, admins
SESSION_IDLE_MINUTES_CLIENT = env.int("SESSION_IDLE_MINUTES_CLIENT", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "practice.session_store"  # database sessions with their data encrypted
SESSION_COOKIE_HTTPONLY = True
# Sessions are registered at sign-in (practice.session_security), not rewritten on every request:
# a write per page would cost every page a query, and the idle clock already lives in the session.
USERSESSIONS_TRACK_ACTIVITY = False
USERSESSIONS_ADAPTER = "practice.session_security.UserSessionsAdapter"  # audits every session it ends

# --- Client address behind proxies ----------------------------------------------------------------
# How many reverse proxies of ours stand in front of the app, each appending to X-Forwarded-For.
# 0 (the default): X-Forwarded-For is never read, REMOTE_ADDR is the client. N: the N-th address
# from the right is the client (what our outermost proxy saw); anything left of it is the client's
# own claim. Everything that needs the client's address (the audit trail, rate limits) asks
# practice.net.client_ip, so a forged header cannot reset a limit or disguise an audit row.
# allauth's sign-in and reset limits apply the same rule from ALLAUTH_TRUSTED_PROXY_COUNT.

TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

for _name in ("SESSION_IDLE_MINUTES_STAFF", "SESSION_IDLE_MINUTES_CLIENT", "SESSION_ABSOLUTE_HOURS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be a whole number of at least 1.")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 (no proxy) or the number of proxies in front.")

# --- Response headers -----------------------------------------------------------------------------
# No inline script or style anywhere (templates keep styles in static/css/practice.css; scripts are
# static files), so the policy needs no 'unsafe-inline'. data: images are Bootstrap's own icons in
# its CSS and the TOTP QR code on the MFA set-up page. Production adds HSTS and secure cookies.

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Confidential fields --------------------------------------------------------------------------
# One Fernet key or a comma-separated list, newest first. The newest encrypts; all of them decrypt,
# which is what key rotation relies on (see practice/crypto.py).

FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[]) or [
    embedded_secret(VAR_DIR / "field_encryption_key", kind="fernet")
]
# The whole backup file is encrypted with a key of its own (manage.py backup / restore). Production
# sets it in the environment; the embedded default generates one into var/ (local.py).
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
# Where `manage.py archive` writes old audit and outbox rows (encrypted with the backup key).
ARCHIVE_DIR = Path(env.str("ARCHIVE_DIR", default=str(VAR_DIR / "archive")))

# --- Internationalisation and time ----------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
# The languages a person may choose on their account page (practice/locale.py). English in two
# variants by default; a practice that translates `locale/` (makemessages) adds its own, e.g.
# PRACTICE_LANGUAGES="en-gb:English (UK),fr:Français".
LANGUAGES = [
    tuple(item.split(":", 1))
    for item in env.list("PRACTICE_LANGUAGES", default=["en-gb:English (UK)", "en-us:English (US)"])
]
LOCALE_PATHS = [BASE_DIR / "locale"]  # `make messages` writes here
TIME_ZONE = env.str("PRACTICE_TIME_ZONE", default="Europe/London")  # the practice's own zone
USE_I18N = True
USE_TZ = True  # stored aware, in UTC

# --- Static files ---------------------------------------------------------------------------------

# Uploaded handouts. Served only through access-checked views, never at a public URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {message_constants.ERROR: "danger"}

# --- Email ----------------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{PRACTICE_NAME} <no-reply@practice.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = str(VAR_DIR / "outbox")
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "outbox.backends.FileAndConsoleBackend"

# --- Celery ---------------------------------------------------------------------------------------
# Tasks take ids only (the broker stores arguments in clear), run late-acknowledged so a lost worker
# means a retry, never a silent drop, and are bounded in time.

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery" / "queue"
    _processed = VAR_DIR / "celery" / "processed"
    _control = VAR_DIR / "celery" / "control"  # kombu's default is ./control in the working directory
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule lives here, in one place. Later apps add their entries (reminders every minute).
CELERY_BEAT_SCHEDULE: dict = {
    "practice-heartbeat": {"task": "practice.tasks.heartbeat", "schedule": 300.0},
    # The database decides what is due; this only hands due messages to the workers.
    "notifications-dispatch": {"task": "practice.tasks.notifications_dispatch", "schedule": 60.0},
    # Drafts live 7 days (autosaves) or 3 days (kept at a sign-out): expired ones go within the hour.
    "drafts-purge": {"task": "practice.tasks.drafts_purge", "schedule": 3600.0},
    # Questionnaires due before a session (or every N weeks) are opened here; the outbox sends the requests.
    "measures-schedule": {"task": "measures.tasks.measures_schedule", "schedule": 600.0},
    # Therapists who chose a daily digest get it once their local time reaches MESSAGING_DIGEST_HOUR.
    "messaging-digests": {"task": "messaging.tasks.message_digests_queue", "schedule": 3600.0},
    # The referral sources chart's kept counts, rebuilt from the referrals (referrals/counts.py).
    "referral-counts": {"task": "referrals.tasks.referral_counts_rebuild", "schedule": 86400.0},
}

# --- Referral form abuse limits (per client address, counted in the cache) ---
REFERRAL_RATE_LIMIT = env.int("REFERRAL_RATE_LIMIT", default=5)
REFERRAL_RATE_WINDOW_SECONDS = env.int("REFERRAL_RATE_WINDOW_SECONDS", default=600)

# --- Messaging -------------------------------------------------------------------------------------

# Per member: at most this many messages in this window (counted from the messages themselves).
MESSAGING_RATE_LIMIT = env.int("MESSAGING_RATE_LIMIT", default=20)
MESSAGING_RATE_WINDOW_SECONDS = env.int("MESSAGING_RATE_WINDOW_SECONDS", default=3600)
MESSAGING_ATTACHMENT_MAX_BYTES = env.int("MESSAGING_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
# A notice waits this long, so a batch of messages gives one notice (a pending one absorbs the rest).
MESSAGING_NOTICE_DELAY_SECONDS = env.int("MESSAGING_NOTICE_DELAY_SECONDS", default=300)
MESSAGING_DIGEST_HOUR = env.int("MESSAGING_DIGEST_HOUR", default=8)  # in the therapist's zone

# --- Billing ---------------------------------------------------------------------------------------

# Every amount is a Decimal to the penny in this currency (ISO 4217; billing/money.py states the rounding).
BILLING_CURRENCY = env.str("BILLING_CURRENCY", default="GBP").upper()
if len(BILLING_CURRENCY) != 3 or not BILLING_CURRENCY.isalpha():
    raise ImproperlyConfigured(f"BILLING_CURRENCY must be a three-letter ISO 4217 code, not {BILLING_CURRENCY!r}.")
# Who may be charged a late-cancellation or no-show fee: a callable (client, member) -> bool. The
# default: the billing party signed the current financial and cancellation policy (billing/policy.py);
# "billing.policy.no_signed_policy" charges nobody.
BILLING_LATE_FEE_POLICY = env.str("BILLING_LATE_FEE_POLICY", default="billing.policy.signed_financial_policy")
# Invoices, statements and the card descriptor say "Consultation, 60 minutes", never the specialty,
# unless the practice turns this on (then the service's own name is shown).
BILLING_SHOW_SPECIALTY = env.bool("BILLING_SHOW_SPECIALTY", default=False)
# The practice's details printed on superbills and estimates (a therapist's own NPI, tax id and
# address, where set, come from their billing profile in the admin).
PRACTICE_TAX_ID = env.str("PRACTICE_TAX_ID", default="")
PRACTICE_NPI = env.str("PRACTICE_NPI", default="")
# Diagnosis codes are clinical: staff see "diagnosis on file" (yes/no) and cannot download superbills,
# unless the practice grants them billing-with-diagnosis here.
BILLING_STAFF_SEE_DIAGNOSIS = env.bool("BILLING_STAFF_SEE_DIAGNOSIS", default=False)
# Place of service for a telehealth session on a superbill: 10 (in the patient's home) or 02 (elsewhere).
BILLING_TELEHEALTH_PLACE_OF_SERVICE = env.str("BILLING_TELEHEALTH_PLACE_OF_SERVICE", default="10")
if BILLING_TELEHEALTH_PLACE_OF_SERVICE not in ("02", "10"):
    raise ImproperlyConfigured("BILLING_TELEHEALTH_PLACE_OF_SERVICE must be 02 or 10.")

# --- Outbox and reminders -------------------------------------------------------------------------

# Hours before a session that each attending member is reminded (their own channels and consents).
REMINDER_HOURS = env.list("REMINDER_HOURS", cast=int, default=[48, 2])
SMS_BACKEND = env.str("SMS_BACKEND", default="outbox.channels.ConsoleSMSBackend")
# Twilio (SMS_BACKEND=outbox.sms_twilio.TwilioSMSBackend). The auth token also verifies the
# signature of every webhook Twilio calls (delivery status, replies); without it they answer 403.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_HTTP_CLIENT = env.str("TWILIO_HTTP_CLIENT", default="")  # a twilio.http.HttpClient class; the library's own

# --- Telehealth -----------------------------------------------------------------------------------
# Each video session gets its own room: the pattern with {room}, an unguessable name made for the
# session (e.g. a self-hosted Jitsi: https://meet.example.org/{room}). Empty: the therapist's own link.
TELEHEALTH_ROOM_PATTERN = env.str("TELEHEALTH_ROOM_PATTERN", default="")
if TELEHEALTH_ROOM_PATTERN and "{room}" not in TELEHEALTH_ROOM_PATTERN:
    raise ImproperlyConfigured("TELEHEALTH_ROOM_PATTERN must contain {room}.")
TELEHEALTH_OPENS_MINUTES = env.int("TELEHEALTH_OPENS_MINUTES", default=15)  # the link shows this long before
NOTIFICATION_REQUEUE_AFTER_SECONDS = env.int("NOTIFICATION_REQUEUE_AFTER_SECONDS", default=300)
NOTIFICATION_SENDING_TIMEOUT_SECONDS = 900
# A row a delivery task took and still has not sent this long after is queued again: past the hard
# time limit the task is dead. A worker that starts queues such rows again at once (outbox/tasks.py).
NOTIFICATION_TAKEN_TIMEOUT_SECONDS = CELERY_TASK_TIME_LIMIT + 30
NOTIFICATION_MAX_ATTEMPTS = 6
NOTIFICATION_RETRY_SECONDS = 30  # a transient failure waits 30 s, 60 s, 120 s... before the next attempt
NOTIFICATION_DELIVERY_BATCH = env.int("NOTIFICATION_DELIVERY_BATCH", default=50)  # ids per delivery task
# Beat's dispatch claims this many due messages per transaction, and goes on while batches are full,
# at most this many times a minute (20 x 500: 10,000 a minute; the workers then send at their pace).
NOTIFICATION_DISPATCH_BATCH = env.int("NOTIFICATION_DISPATCH_BATCH", default=500)
NOTIFICATION_DISPATCH_ROUNDS = env.int("NOTIFICATION_DISPATCH_ROUNDS", default=20)

# --- Logging --------------------------------------------------------------------------------------
# Logs carry ids, never clinical text: nothing in the project logs a model's fields.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "practice.logging.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step of every signed copy (and the URLs it refused) at INFO.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        # The twilio library logs each request at INFO: kept out, should it ever log a text's parameters.
        "twilio": {"level": "WARNING"},
        # The development server's request lines ("GET /r/confirm/<token>/") go through the filter too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
