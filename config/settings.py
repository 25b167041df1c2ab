"""Commonplace settings: one file, every value from the environment with an embedded default.

With nothing set it runs on SQLite under var/, runs Celery tasks eagerly, prints email to the
console and runs with DEBUG on. DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, DJANGO_DEBUG,
DJANGO_ALLOWED_HOSTS, EMAIL_URL and ACCOUNT_EMAIL_VERIFICATION switch it to production behaviour.
`.env.example` lists every variable.
"""

import os
import re
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config import social

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COMMONPLACE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from exc


# --- Core -----------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)

# The development key is public (it is in this file); production must bring its own.
DEV_SECRET_KEY = "django-insecure-commonplace-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off but DJANGO_SECRET_KEY is not set: refusing to start with the public "
        'development key. Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

SITE_ID = 1
SITE_NAME = os.environ.get("COMMONPLACE_SITE_NAME", "Commonplace")
# Where the site is reached from outside: emails are read away from any request, so their links
# are built on this.
COMMONPLACE_SITE_URL = (
    os.environ.get("COMMONPLACE_SITE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
)

INSTALLED_APPS = [
    "config.admin_site.SuperuserAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # The company logins (config/social.py): dormant until COMMONPLACE_OIDC_* or
    # COMMONPLACE_SAML_* give them an app, so turning one on is a matter of settings alone.
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "taggit",
    "django_htmx",
    "csp",
    "branding",
    "accounts",
    "forum",
    "reputation",
    "moderation",
    "notifications",
    "kb",
    "insights",
    "console",
    "integrations",
    "helpdesk",
    "privacy",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, vendored: the docs page loads nothing from a CDN
    "api",
]

# Social and company login are added by settings alone (config/social.py; README, "Social login"
# and "Company login"): allauth provider ids in SOCIAL_PROVIDERS with SOCIAL_<ID>_* credentials,
# the company's OpenID Connect server in COMMONPLACE_OIDC_*, its SAML identity provider in
# COMMONPLACE_SAML_*. An unknown provider id stops the start with the list of valid ones.
SOCIAL_PROVIDERS = env_list("SOCIAL_PROVIDERS", "")
_social_apps, SOCIALACCOUNT_PROVIDERS = social.social_providers(SOCIAL_PROVIDERS, os.environ)
INSTALLED_APPS += _social_apps
# A company login whose provider asserts a verified address that a member has verified here too
# logs that member in and links the login to the account (accounts/adapter.py).
COMMONPLACE_SSO_LINK_BY_EMAIL = env_bool("COMMONPLACE_SSO_LINK_BY_EMAIL", True)
_oidc_app = social.company_oidc_app(os.environ, link_by_email=COMMONPLACE_SSO_LINK_BY_EMAIL)
if _oidc_app:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {"APPS": [_oidc_app]}
_saml_app = social.company_saml_app(
    os.environ,
    link_by_email=COMMONPLACE_SSO_LINK_BY_EMAIL,
    trust_email=env_bool("COMMONPLACE_SAML_EMAIL_VERIFIED", False),
)
if _saml_app:
    SOCIALACCOUNT_PROVIDERS["saml"] = {"APPS": [_saml_app]}
# Sign-up: COMMONPLACE_SIGNUP_OPEN closes the sign-up form and social providers' sign-ups;
# COMMONPLACE_SSO_SIGNUP_OPEN governs the company logins alone, so a company can close
# sign-up yet let its customers in with their product account (accounts/permissions.py).
COMMONPLACE_SIGNUP_OPEN = env_bool("COMMONPLACE_SIGNUP_OPEN", True)
COMMONPLACE_SSO_SIGNUP_OPEN = env_bool("COMMONPLACE_SSO_SIGNUP_OPEN", True)
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("SOCIALACCOUNT_REQUESTS_TIMEOUT", 10)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cross-Origin-Resource-Policy, static files included (config/security.py).
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy (django-csp; the policy is under "Security" below).
    "config.security.ContentSecurityPolicyMiddleware",
    # A repeated anonymous page straight from the page cache, before sessions, CSRF, auth and the
    # URL resolver (forum/pagecache.py); inside the headers above, so its responses get them all.
    "forum.pagecache.EarlyHitMiddleware",
    # ETag and 304 for the API's reads (api/etags.py); outside the rest, so it hashes the final body.
    "api.etags.ApiETagMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",  # the admin's check asks for it
                "accounts.context_processors.auth",  # then `user` is the member, not the lazy wrapper
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                "branding.context_processors.branding",
                "notifications.context_processors.unread_notifications",
            ],
            # {% url %} remembered (the built-in tag, replaced; accounts/templatetags/remembered_urls.py).
            "builtins": ["accounts.templatetags.remembered_urls"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
# SQLite, however it is named (the default file under var/, or DATABASE_URL=sqlite:///...), runs
# with the same options: IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on
# busy_timeout instead of failing with "database is locked" mid-transaction; WAL lets readers
# read while one writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
    ),
}
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "commonplace.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Options a URL's query string gave (?timeout=30) win over these.
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}

# Read replicas (README, "Read replicas"): comma-separated PostgreSQL URLs of streaming replicas
# of DATABASE_URL. Safe requests read from them; a client that just sent a POST (or any other
# write) reads from the primary for COMMONPLACE_REPLICA_STICKY_SECONDS; a replica that cannot be
# reached is left alone for COMMONPLACE_REPLICA_RETRY_SECONDS. Empty: no router, no middleware.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", "")
COMMONPLACE_REPLICA_STICKY_SECONDS = env_int("COMMONPLACE_REPLICA_STICKY_SECONDS", 5)
COMMONPLACE_REPLICA_CONNECT_TIMEOUT = env_int("COMMONPLACE_REPLICA_CONNECT_TIMEOUT", 2)
COMMONPLACE_REPLICA_RETRY_SECONDS = env_int("COMMONPLACE_REPLICA_RETRY_SECONDS", 5)
COMMONPLACE_REPLICA_MAX_LAG_SECONDS = env_int("COMMONPLACE_REPLICA_MAX_LAG_SECONDS", 0)
if DATABASE_REPLICA_URLS:
    from config.replicas import replica_databases

    DATABASES.update(
        replica_databases(
            DATABASE_REPLICA_URLS, DATABASES["default"], connect_timeout=COMMONPLACE_REPLICA_CONNECT_TIMEOUT
        )
    )
    DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
    # Outside the session middleware, so it sees the whole request; the cookie goes on every response.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "config.replicas.ReplicaMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, a client per pool (config/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "commonplace",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without a broker, tasks run inline, after commit, in the request that caused them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A crashed worker means redelivery, and idempotent tasks make redelivery harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must never hang a request when Redis is down: fail fast, the outbox re-sends.
# queueing.publish also publishes without retries and skips publishing for a few seconds after
# a failure (README, "When Redis is down"). "max_retries": 0 stops kombu retrying the connection
# inside a publish (that retry was most of the 0.6 s a vote took with Redis down); workers keep
# their own reconnect loop (broker_connection_retry).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5, "max_retries": 0}
CELERY_TIMEZONE = "UTC"
# Ledger wake-ups have a queue of their own. Each reputation event still gets a message (so a
# vote is applied within moments), but one delivery applies a whole batch (reputation/ledger.py),
# so after a backlog most of the messages left find their event applied. The worker reads both
# queues in turn (it consumes every queue named here), so those leftovers never hold up
# notifications, webhooks or exports queued behind them.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("ledger"))
CELERY_TASK_ROUTES = {"reputation.apply_event": {"queue": "ledger"}}
# The periodic jobs, added by each app's section below. One scheduler runs them (console/scheduler.py,
# README "What runs where"): `celery -A config beat` with a broker, or, without one, a thread of
# `manage.py devserver` (what `make run` starts) that runs each job inline. Its file is under var/.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
CELERY_BEAT_SCHEDULER = "console.scheduler:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Auth and accounts ----------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

_VERIFICATION_CHOICES = {"none", "optional", "mandatory"}
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional").strip().lower()
if ACCOUNT_EMAIL_VERIFICATION not in _VERIFICATION_CHOICES:
    raise ImproperlyConfigured(
        f"ACCOUNT_EMAIL_VERIFICATION must be one of {sorted(_VERIFICATION_CHOICES)}; "
        f"got {ACCOUNT_EMAIL_VERIFICATION!r}."
    )
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Account emails' subject prefix and sender are the branded site name (accounts/adapter.py).
# allauth's own rate limits (on by default) count in the cache above: Redis in production.
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins are counted by COMMONPLACE_LOGIN_FAILURES_* below, per client. allauth's
    # count per login would let anyone who knows a username lock its owner out.
    "login_failed": "",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False


def env_window_rate(name: str, default: str) -> str:
    """A limit counted in windows of the period: "5/5min", "30/10min", "60/min"; empty: none."""
    raw = os.environ.get(name, default).strip()
    if raw and not re.fullmatch(r"[0-9]+/[0-9]*(s|sec|second|m|min|minute|h|hour|d|day)s?", raw):
        raise ImproperlyConfigured(f'{name} must look like "5/5min" (per s, min, h or d); got {raw!r}.')
    return raw


# The sign-in throttle (accounts/adapter.py): failed sign-ins are counted per client, never per
# account alone, so an attacker trying passwords is stopped (429 with Retry-After) while the
# member signs in from their own device at once. Per address, whatever the login, and per address
# and login. Behind proxies, COMMONPLACE_API_NUM_PROXIES says how many hops of X-Forwarded-For
# to trust, for these counts as for the API's.
COMMONPLACE_LOGIN_FAILURES_PER_IP = env_window_rate("COMMONPLACE_LOGIN_FAILURES_PER_IP", "30/10min")
COMMONPLACE_LOGIN_FAILURES_PER_IP_AND_LOGIN = env_window_rate(
    "COMMONPLACE_LOGIN_FAILURES_PER_IP_AND_LOGIN", "5/5min"
)
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("COMMONPLACE_API_NUM_PROXIES", 0)
# "Email me a sign-in code": a way in that no password guesser can block (allauth's own limits
# on it count per address and per email, 3 codes a minute).
ACCOUNT_LOGIN_BY_CODE_ENABLED = env_bool("COMMONPLACE_LOGIN_BY_CODE", True)

# --- Email ----------------------------------------------------------------------------------

EMAIL_URL = os.environ.get("EMAIL_URL", "").strip() or "console:"
_email = dj_email_url.parse(EMAIL_URL)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 10
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18n, static ---------------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Stricter than browsers' strict-origin-when-cross-origin: a link out of a post tells the other
# site nothing, not even that the reader came from this community.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The Content-Security-Policy (django-csp, config/security.py; README, "Content-Security-Policy
# and headers"), in every mode, so the browser journeys run under it. Nothing inline: every
# script and stylesheet is a file of ours. 1 sends it as Content-Security-Policy-Report-Only:
# browsers report violations to /csp-report/ (logged) and block nothing.
COMMONPLACE_CSP_REPORT_ONLY = env_bool("COMMONPLACE_CSP_REPORT_ONLY", False)
# Origins login forms may be sent on to, beyond those worked out from the login providers'
# settings (config/security.py): a provider whose authorisation server is elsewhere.
COMMONPLACE_CSP_FORM_ACTION = env_list("COMMONPLACE_CSP_FORM_ACTION", "")
for _origin in COMMONPLACE_CSP_FORM_ACTION:
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?", _origin):
        raise ImproperlyConfigured(
            f"COMMONPLACE_CSP_FORM_ACTION takes origins such as https://login.example.com; got {_origin!r}."
        )
_csp = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # 'report-sample': a report quotes the start of what was blocked.
        "script-src": ["'self'", "'report-sample'"],
        "style-src": ["'self'", "'report-sample'"],
        "img-src": ["'self'"],  # no data: URLs on the site (the API docs' own policy adds them)
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", *COMMONPLACE_CSP_FORM_ACTION],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "report-uri": ["/csp-report/"],
        "report-to": "csp",
    }
}
CONTENT_SECURITY_POLICY = None if COMMONPLACE_CSP_REPORT_ONLY else _csp
CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp if COMMONPLACE_CSP_REPORT_ONLY else None

SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Health checks come from inside the container network over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# --- Forum ----------------------------------------------------------------------------------

TAGGIT_CASE_INSENSITIVE = True
QUESTIONS_PER_PAGE = env_int("COMMONPLACE_QUESTIONS_PER_PAGE", 30)
# The anonymous page cache (forum/pagecache.py; README, "Anonymous page cache"): readers who are
# not signed in get the question page, lists and tag pages from the cache above, invalidated by
# every write that changes them. This bounds a page's life ("asked 3 minutes ago"); 0: off.
COMMONPLACE_PAGE_CACHE_SECONDS = env_int("COMMONPLACE_PAGE_CACHE_SECONDS", 120)
# The thread page's question, answer and comment queries compiled once per shape of viewer and
# kept per process (prepared/__init__.py); VERIFY compiles them afresh on each use as well and fails
# on any difference (on in the test suite).
COMMONPLACE_PREPARED_QUERIES = env_bool("COMMONPLACE_PREPARED_QUERIES", True)
COMMONPLACE_PREPARED_QUERIES_VERIFY = env_bool("COMMONPLACE_PREPARED_QUERIES_VERIFY", False)
# Pre-moderation: a new account's first post waits in /moderation/review/ until a moderator releases it.
COMMONPLACE_PREMODERATE_FIRST_POSTS = env_bool("COMMONPLACE_PREMODERATE_FIRST_POSTS", False)
# How many flags one member may raise per UTC day.
COMMONPLACE_FLAGS_PER_DAY = env_int("COMMONPLACE_FLAGS_PER_DAY", 10)
# How often an open question page asks for new answers (htmx polling, notifications/live_views.py).
COMMONPLACE_LIVE_POLL_SECONDS = env_int("COMMONPLACE_LIVE_POLL_SECONDS", 10)
# How often a signed-in page redraws the nav's unread-notifications count.
COMMONPLACE_UNREAD_POLL_SECONDS = env_int("COMMONPLACE_UNREAD_POLL_SECONDS", 30)
# Limits on every write (forum/limits.py), the same for every role. A "new account" joined under
# NEW_ACCOUNT_AGE_HOURS ago or has under NEW_ACCOUNT_REPUTATION; the pauses and the hourly edits
# apply to everyone. 0 switches a cap or a pause off (NEW_LINKS_PER_POST=0 allows no links).
COMMONPLACE_POST_LIMITS_ENABLED = env_bool("COMMONPLACE_POST_LIMITS_ENABLED", True)
COMMONPLACE_NEW_ACCOUNT_AGE_HOURS = env_int("COMMONPLACE_NEW_ACCOUNT_AGE_HOURS", 24)
COMMONPLACE_NEW_ACCOUNT_REPUTATION = env_int("COMMONPLACE_NEW_ACCOUNT_REPUTATION", 10)
COMMONPLACE_NEW_QUESTIONS_PER_DAY = env_int("COMMONPLACE_NEW_QUESTIONS_PER_DAY", 3)
COMMONPLACE_NEW_ANSWERS_PER_DAY = env_int("COMMONPLACE_NEW_ANSWERS_PER_DAY", 10)
COMMONPLACE_NEW_COMMENTS_PER_DAY = env_int("COMMONPLACE_NEW_COMMENTS_PER_DAY", 20)
COMMONPLACE_NEW_EDITS_PER_DAY = env_int("COMMONPLACE_NEW_EDITS_PER_DAY", 20)
COMMONPLACE_NEW_LINKS_PER_POST = env_int("COMMONPLACE_NEW_LINKS_PER_POST", 2)
COMMONPLACE_SECONDS_BETWEEN_POSTS = env_int("COMMONPLACE_SECONDS_BETWEEN_POSTS", 15)
# The live Markdown preview (/preview/), members only: this many per account, then 429.
COMMONPLACE_PREVIEW_RATE = env_window_rate("COMMONPLACE_PREVIEW_RATE", "60/min")
COMMONPLACE_SECONDS_BETWEEN_COMMENTS = env_int("COMMONPLACE_SECONDS_BETWEEN_COMMENTS", 15)
COMMONPLACE_EDITS_PER_HOUR = env_int("COMMONPLACE_EDITS_PER_HOUR", 30)
# Voting rings (moderation/serial_voting.py): looked for hourly, reversed in the ledger.
CELERY_BEAT_SCHEDULE["moderation-detect-serial-voting"] = {
    "task": "moderation.detect_serial_voting",
    "schedule": 3600.0,
}

# --- Insights -------------------------------------------------------------------------------

# /insights/ is public by default; off, only staff (is_staff) may see it and its CSV.
COMMONPLACE_INSIGHTS_PUBLIC = env_bool("COMMONPLACE_INSIGHTS_PUBLIC", True)
CELERY_BEAT_SCHEDULE["insights-compute"] = {
    "task": "insights.compute",
    "schedule": 600.0,
}
# A private follow-up still without its public outcome after this many hours reminds the staff
# member who opened it, then again every as many hours until the outcome is posted; 0: never.
COMMONPLACE_ESCALATION_REMIND_HOURS = env_int("COMMONPLACE_ESCALATION_REMIND_HOURS", 24)

# --- Integrations (webhooks, the helpdesk bridge) --------------------------------------------
# Outbound requests to addresses operators type in refuse loopback, private and link-local
# addresses (checked after DNS resolution, where the socket opens: integrations/outbound.py).
# 1 allows them: tests, or a helpdesk on the company's own network.
COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = env_bool("COMMONPLACE_OUTBOUND_ALLOW_PRIVATE", False)
# Webhook retries that are due, and deliveries whose message never reached the broker.
CELERY_BEAT_SCHEDULE["integrations-sweep-deliveries"] = {
    "task": "integrations.sweep_deliveries",
    "schedule": 60.0,
}

# The helpdesk bridge (helpdesk/; README, "Helpdesk bridge"): staff taking a thread to private
# follow-up may also open a ticket in the company's helpdesk. "generic" (a signed webhook out, a
# signed status callback in), "zendesk" (its Tickets API and its signed webhooks), or empty: no
# bridge, and no page offers tickets. `manage.py check` says which settings an adapter lacks.
COMMONPLACE_HELPDESK = os.environ.get("COMMONPLACE_HELPDESK", "").strip().lower()
if COMMONPLACE_HELPDESK not in {"", "generic", "zendesk"}:
    raise ImproperlyConfigured(
        f"COMMONPLACE_HELPDESK must be generic, zendesk or empty; got {COMMONPLACE_HELPDESK!r}."
    )
# The helpdesk's name on the buttons ("Also open a ticket in Zendesk"); empty: the adapter's own.
COMMONPLACE_HELPDESK_NAME = os.environ.get("COMMONPLACE_HELPDESK_NAME", "").strip()
# generic: where ticket requests are POSTed, and the secret that signs both directions.
COMMONPLACE_HELPDESK_URL = os.environ.get("COMMONPLACE_HELPDESK_URL", "").strip()
COMMONPLACE_HELPDESK_SECRET = os.environ.get("COMMONPLACE_HELPDESK_SECRET", "").strip()
# zendesk: the account's address, an agent's email and API token, the webhook's signing secret.
COMMONPLACE_ZENDESK_URL = os.environ.get("COMMONPLACE_ZENDESK_URL", "").strip().rstrip("/")
COMMONPLACE_ZENDESK_EMAIL = os.environ.get("COMMONPLACE_ZENDESK_EMAIL", "").strip()
COMMONPLACE_ZENDESK_API_TOKEN = os.environ.get("COMMONPLACE_ZENDESK_API_TOKEN", "").strip()
COMMONPLACE_ZENDESK_WEBHOOK_SECRET = os.environ.get("COMMONPLACE_ZENDESK_WEBHOOK_SECRET", "").strip()
# Whether a ticket carries the asker's verified email address, so the care team can write to
# them (Zendesk makes them the ticket's requester). 0: only their username and profile link.
COMMONPLACE_HELPDESK_SHARE_EMAIL = env_bool("COMMONPLACE_HELPDESK_SHARE_EMAIL", True)
# A ticket the helpdesk would not open is retried with backoff (1, 2, 4 ... 60 minutes) for this
# many hours; then the staff member who asked is told, and may try again from the thread.
COMMONPLACE_HELPDESK_RETRY_HOURS = env_int("COMMONPLACE_HELPDESK_RETRY_HOURS", 24)
CELERY_BEAT_SCHEDULE["helpdesk-retry-tickets"] = {
    "task": "helpdesk.retry_tickets",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["insights-remind-escalations"] = {
    "task": "insights.remind_escalations",
    "schedule": 900.0,
}

# --- Members' data (the privacy app) --------------------------------------------------------

# A copy of a member's data (/accounts/data/) is kept 7 days; this job deletes copies past them
# and starts again a build whose message was lost (README, "Your data").
CELERY_BEAT_SCHEDULE["privacy-sweep-exports"] = {
    "task": "privacy.sweep_exports",
    "schedule": 300.0,
}

# --- REST API (/api/v1/, the api app) --------------------------------------------------------


# The same limits for every role: reads and writes per account (per IP address for anonymous
# readers), counted in the cache above. "<n>/<sec|min|hour|day>"; empty switches one off.
def env_rate(name: str, default: str) -> str:
    raw = os.environ.get(name, default).strip()
    if raw and not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", raw):
        raise ImproperlyConfigured(
            f'{name} must look like "600/min" (per sec, min, hour or day); got {raw!r}.'
        )
    return raw


COMMONPLACE_API_READ_RATE = env_rate("COMMONPLACE_API_READ_RATE", "600/min")
COMMONPLACE_API_WRITE_RATE = env_rate("COMMONPLACE_API_WRITE_RATE", "60/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser, with CSRF on writes
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ReadThrottle", "api.throttling.WriteThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.handle",
    # OPTIONS answers 405: DRF's metadata would describe the serializers by loading objects
    # outside the selectors' visibility rules; the schema at /api/v1/schema/ describes them all.
    "DEFAULT_METADATA_CLASS": None,
    # How many proxies in front of the app add X-Forwarded-For: anonymous readers are counted by
    # the address that many hops back. 0 (the default) uses the connection's own address.
    "NUM_PROXIES": env_int("COMMONPLACE_API_NUM_PROXIES", 0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Commonplace API",
    "DESCRIPTION": (
        "The community's questions, answers, comments, votes and more, through the same rules, "
        "limits and reputation ledger as the web. Authenticate with the browser session or an "
        "API key (`Authorization: Bearer cp_<prefix>_<secret>`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI draws each one as a link inside the operation's button, which
    # screen readers cannot reach (axe's nested-interactive, checked by tests/e2e).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # A post's state (visible, deleted, ...) and a private follow-up's (open, resolved) share
    # the field name "state": each enum gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "PostStateEnum": "api.resources.posts.STATES",
        "EscalationStateEnum": "insights.models.Escalation.State",
        "DeliveryStateEnum": "api.resources.webhooks.STATES",
        "DeliveryStatusEnum": "integrations.models.DeliveryStatus",
    },
}

# --- Reputation -----------------------------------------------------------------------------

# Question views are counted in the cache (reading writes nothing); this adds them up.
CELERY_BEAT_SCHEDULE["forum-flush-view-counts"] = {
    "task": "forum.flush_view_counts",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["reputation-resend-pending"] = {
    "task": "reputation.resend_pending",
    "schedule": 30.0,
}
# Privilege thresholds: "new" suits a young community, "mature" is Stack Exchange's.
REPUTATION_PRIVILEGE_PRESET = os.environ.get("REPUTATION_PRIVILEGE_PRESET", "new").strip().lower()
if REPUTATION_PRIVILEGE_PRESET not in {"new", "mature"}:
    raise ImproperlyConfigured(
        f"REPUTATION_PRIVILEGE_PRESET must be 'new' or 'mature'; got {REPUTATION_PRIVILEGE_PRESET!r}."
    )

# --- Notification email ---------------------------------------------------------------------

# Immediate emails wait this long so that a burst (20 comments in a minute) becomes one email.
COMMONPLACE_EMAIL_BURST_SECONDS = env_int("COMMONPLACE_EMAIL_BURST_SECONDS", 60)
# Digests go out at this UTC hour: daily every day, weekly on Mondays.
COMMONPLACE_DIGEST_HOUR_UTC = env_int("COMMONPLACE_DIGEST_HOUR_UTC", 7)
CELERY_BEAT_SCHEDULE["notifications-sweep-immediate"] = {
    "task": "notifications.sweep_immediate",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["notifications-daily-digest"] = {
    "task": "notifications.send_digests",
    "schedule": crontab(minute=0, hour=COMMONPLACE_DIGEST_HOUR_UTC),
    "args": ["daily"],
}
CELERY_BEAT_SCHEDULE["notifications-weekly-digest"] = {
    "task": "notifications.send_digests",
    "schedule": crontab(minute=0, hour=COMMONPLACE_DIGEST_HOUR_UTC, day_of_week="mon"),
    "args": ["weekly"],
}
