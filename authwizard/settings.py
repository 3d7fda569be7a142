"""Django settings, read from the environment (see README "Configuration"); safe defaults for a local run."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from authwizard.env import env, env_bool, env_float, env_int, env_int_list, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("AUTHWIZARD_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# The local run command generates a key into var/; everywhere else SECRET_KEY is mandatory.
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if env_bool("AUTHWIZARD_LOCAL", False) or env_bool("AUTHWIZARD_TESTING", False):
        SECRET_KEY = "local-only-not-for-production-" + "x" * 40
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set (see README, Configuration)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "pathways",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pathways.security.SecurityHeadersMiddleware",  # outside sessions and CSRF: sees the cookies they set
    "pathways.upload_limit.UploadLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language (Accept-Language, the cookie)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pathways.language.UserLanguageMiddleware",  # a signed-in user's chosen language wins over the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-ins while an account or address is locked out
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "authwizard.urls"
WSGI_APPLICATION = "authwizard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'authwizard.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several threads (server, worker) write; wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Parameters travel apart from the SQL, so PostgreSQL can keep a statement a connection repeats
    # prepared (psycopg prepares it from its fifth use) instead of parsing and planning it each time.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password reset by e-mail is offered only when an e-mail backend is configured (EMAIL_BACKEND set).
AUTHWIZARD_PASSWORD_RESET = bool(env("EMAIL_BACKEND"))

# Brute force (django-axes): an account, or an address, is locked after this many wrong passwords in a row
# for AUTHWIZARD_LOGIN_LOCKOUT_MINUTES; `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS` unlock.
AXES_FAILURE_LIMIT = env_int("AUTHWIZARD_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_float("AUTHWIZARD_LOGIN_LOCKOUT_MINUTES", 15.0) / 60.0  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each alone: per account and per address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "pathways.security.client_address"
AUTHWIZARD_BEHIND_PROXY = env_bool("BEHIND_HTTPS_PROXY")
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# English and German; the language comes from the browser and, once a user chooses one, from their
# stored choice (pathways/language.py). Dates, times and numbers are shown in the active language's formats.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# SAP's Fiori styles come from node_modules (npm ci), exactly the files authwizard/vendor_static.py lists.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "authwizard.vendor_static.NodeModulesFinder",
]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
    },
}

# Uploads (certificates, PKCS#12, service keys) are small; refuse anything large before it is parsed.
# The one upload limit (pathways/upload_limit.py): the request body; a single file may be a quarter of it.
AUTHWIZARD_MAX_UPLOAD_BYTES = env_int("AUTHWIZARD_MAX_UPLOAD_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = AUTHWIZARD_MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Security headers; `manage.py check --deploy` is clean when DEBUG is off and HTTPS is on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content Security Policy (django-csp): scripts only from this site (no inline script, no eval; htmx runs
# with allowEval off), style attributes allowed, nothing may frame the app.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Celery: Redis when REDIS_URL is set, else a folder queue under var/ (embedded broker,
# authwizard.filebroker).
REDIS_URL = env("REDIS_URL")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "atomicfs://"  # kombu's filesystem transport, publishing atomically (filebroker.py)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("AUTHWIZARD_RUN_SOFT_LIMIT", 25 * 60)
CELERY_TASK_TIME_LIMIT = env_int("AUTHWIZARD_RUN_HARD_LIMIT", 30 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work (celery beat); pathways.tasks adds the interrupted-run sweep to this schedule.
CELERY_BEAT_SCHEDULE = {
    "detect-drift": {
        "task": "pathways.tasks.detect_drift",
        "schedule": float(env_int("AUTHWIZARD_DRIFT_EVERY_SECONDS", 6 * 3600)),
    },
    "watch-certificate-expiry": {
        "task": "pathways.tasks.watch_certificate_expiry",
        "schedule": float(env_int("AUTHWIZARD_EXPIRY_EVERY_SECONDS", 6 * 3600)),
    },
    "watch-message-traffic": {
        "task": "pathways.tasks.watch_message_traffic",
        "schedule": float(env_int("AUTHWIZARD_TRAFFIC_EVERY_SECONDS", 15 * 60)),
    },
}

# --- AuthWizard
# Fernet keys, newest first, comma separated. Mandatory outside the local run command and the tests.
AUTHWIZARD_ENCRYPTION_KEYS = env_list("AUTHWIZARD_ENCRYPTION_KEYS")
AUTHWIZARD_LOCAL = env_bool("AUTHWIZARD_LOCAL", False)
AUTHWIZARD_TESTING = env_bool("AUTHWIZARD_TESTING", False)
# Host names (or `*.suffix`), each optionally with `:port`, that may resolve to loopback/private addresses,
# e.g. the local sandbox; the local run allows the sandbox's port only.
AUTHWIZARD_SANDBOX_PORT = env_int("AUTHWIZARD_SANDBOX_PORT", 8443)
AUTHWIZARD_ADDR = env("AUTHWIZARD_ADDR", "127.0.0.1:8000")  # `./dev run` only
AUTHWIZARD_ALLOWED_HOSTS = env_list(
    "AUTHWIZARD_ALLOWED_HOSTS",
    f"sandbox.localhost:{AUTHWIZARD_SANDBOX_PORT},*.sandbox.localhost:{AUTHWIZARD_SANDBOX_PORT}"
    if AUTHWIZARD_LOCAL
    else "",
)
AUTHWIZARD_EXPIRY_THRESHOLDS = env_int_list("AUTHWIZARD_EXPIRY_THRESHOLDS", "30,14,7")

# Talking to SAP: timeouts, retries (D-12) and polling of asynchronous answers (D-18, D-28).
AUTHWIZARD_CONNECT_TIMEOUT = env_float("AUTHWIZARD_CONNECT_TIMEOUT", 10.0)
AUTHWIZARD_READ_TIMEOUT = env_float("AUTHWIZARD_READ_TIMEOUT", 60.0)
AUTHWIZARD_RETRY_BASE_SECONDS = env_float("AUTHWIZARD_RETRY_BASE_SECONDS", 1.0)
AUTHWIZARD_RETRY_TRIES = env_int("AUTHWIZARD_RETRY_TRIES", 5)
AUTHWIZARD_JOB_POLL_SECONDS = env_float("AUTHWIZARD_JOB_POLL_SECONDS", 0.25)
AUTHWIZARD_JOB_POLL_MAX_SECONDS = env_float("AUTHWIZARD_JOB_POLL_MAX_SECONDS", 10.0)
AUTHWIZARD_JOB_POLL_MIN_SECONDS = env_float("AUTHWIZARD_JOB_POLL_MIN_SECONDS", 0.2)
AUTHWIZARD_DEPLOY_POLL_SECONDS = env_float("AUTHWIZARD_DEPLOY_POLL_SECONDS", 0.25)
# Runs: a running run without a heartbeat this long is interrupted; a queued one no worker took, failed.
AUTHWIZARD_RUN_STALE_MINUTES = env_float("AUTHWIZARD_RUN_STALE_MINUTES", 10)
AUTHWIZARD_RUN_QUEUE_MINUTES = env_float("AUTHWIZARD_RUN_QUEUE_MINUTES", 60)
# Message checks: how far back the message processing logs of the pathways' iFlows are read.
AUTHWIZARD_TRAFFIC_WINDOW_HOURS = env_int("AUTHWIZARD_TRAFFIC_WINDOW_HOURS", 24)
# Succeeded periodic message checks are deleted after this many days (failed ones and requested ones stay).
AUTHWIZARD_ROUTINE_CHECKS_KEEP_DAYS = env_int("AUTHWIZARD_ROUTINE_CHECKS_KEEP_DAYS", 7)
# Drift: a credential redeployed within this many seconds after an apply counts as that apply.
AUTHWIZARD_DRIFT_CLOCK_SKEW_SECONDS = env_float("AUTHWIZARD_DRIFT_CLOCK_SKEW_SECONDS", 120)

# The address people open the app at, e.g. https://authwizard.example.com: links in e-mails are built on
# it (a system check warns under `check --deploy` when it is missing).
AUTHWIZARD_BASE_URL = env(
    "AUTHWIZARD_BASE_URL", f"http://{AUTHWIZARD_ADDR}" if AUTHWIZARD_LOCAL else ""
).rstrip("/")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "authwizard@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "pathways.redact.RedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
