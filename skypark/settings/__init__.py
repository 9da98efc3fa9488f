"""Settings for the Sky Park platform.

Everything that differs between machines comes from the environment (django-environ).
The defaults are the embedded ones ``make run`` uses: SQLite and a filesystem broker, so
the product starts on a machine that has nothing but Python. Production overrides live
in ``skypark.settings.production``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The development flag: ``make run`` sets it. Without it a web server or worker refuses
# to start with DEBUG on or the development key (``skypark.core.safety``), and seed_demo
# refuses to create its known logins unless forced.
DEVELOPMENT = env.bool("SKYPARK_DEVELOPMENT", default=False)
DEVELOPMENT_SECRET_KEY = "dev-insecure-skypark-secret-change-me-in-production-0123456789"
DEBUG = env.bool("DEBUG", default=DEVELOPMENT)
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Printed at the top of every receipt: who sold, and how to reach them.
SELLER_NAME = env("SELLER_NAME", default="Sky Park LLC")
SELLER_DETAILS = env("SELLER_DETAILS", default="Bishkek, Kyrgyzstan · info@skypark.kg")

INSTALLED_APPS = [
    # before the admin, so that its translated fields reach the admin forms
    "modeltranslation",
    "skypark.core.admin_site.SkyParkAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "django_prometheus",
    # staff two-factor log-in (TOTP apps and one-time recovery codes)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # the shared core
    "skypark.core",
    "skypark.audit",
    "skypark.eventlog",
    "skypark.config",
    "skypark.accounts",
    "skypark.notify",
    "skypark.commerce",
    "skypark.cashdesk",
    "skypark.settlements",
    "skypark.privacy",
    "skypark.webhooks",
    "skypark.ops",
    "skypark.analytics",
    # domains
    "skypark.parks",
    "loyalty",
    "loyalty.clearing",
    "loyalty.connectors",
    "events",
    "bookings",
]

# An API call without a session cookie passes by the web pages' middleware: sessions,
# authentication by session, the staff second factor, the profile's language and messages
# (skypark.core.api.middleware); /api/ takes its language from Accept-Language
# (skypark.core.api.language). CSRF stays Django's (check --deploy looks for it; the API's
# views are exempt, and DRF checks CSRF itself for session authentication).
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "skypark.ops.request_ids.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "skypark.core.api.middleware.SessionMiddleware",
    "skypark.core.api.language.LocaleMiddleware",
    "skypark.core.middleware.RefuseUnstorableInputMiddleware",
    "skypark.core.api.ratelimit.RateLimitHeadersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "skypark.core.api.middleware.AuthenticationMiddleware",
    "skypark.core.api.middleware.OTPMiddleware",
    "skypark.core.api.middleware.StaffMfaMiddleware",
    "skypark.core.api.middleware.UserLanguageMiddleware",
    "skypark.core.api.middleware.SessionTouchMiddleware",
    "skypark.core.api.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "skypark.analytics.web.WebEventMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "skypark.urls"
WSGI_APPLICATION = "skypark.wsgi.application"
ASGI_APPLICATION = "skypark.asgi.application"

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
                "skypark.core.context_processors.site",
            ],
            "builtins": ["skypark.core.templatetags.money"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'skypark.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process, the worker and beat share one file.
    # IMMEDIATE transactions take the write lock when a transaction begins, so a writer
    # waits for the lock (up to the timeout) instead of failing with "database is locked"
    # when a read lock cannot be upgraded mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# A psycopg connection pool per process on PostgreSQL (DB_POOL=true; needs psycopg-pool):
# 5 connections kept, up to 10 more under load, 30 s to wait for one, each replaced after
# 30 minutes. A pool replaces persistent connections, so CONN_MAX_AGE is 0 with it.
DB_POOL = (
    {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=5),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=15),
        "timeout": env.float("DB_POOL_TIMEOUT", default=30.0),
        "max_lifetime": env.float("DB_POOL_MAX_LIFETIME", default=1800.0),
    }
    if env.bool("DB_POOL", default=False)
    else None
)
if DB_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = DB_POOL

# Query counts, latencies and errors per database for /metrics: django-prometheus wraps
# the engine (same behaviour, counted). DB_METRICS=false keeps Django's own.
if env.bool("DB_METRICS", default=True):
    _engine = DATABASES["default"]["ENGINE"]
    if _engine in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        DATABASES["default"]["ENGINE"] = _engine.replace("django.db.", "django_prometheus.db.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out log-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "skypark.accounts.backends.PhoneOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("ky", _("Kyrgyz")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Bishkek")
USE_I18N = True
FORMAT_MODULE_PATH = ["skypark.formats"]

# Content that staff write (names, descriptions, slot names, amenities …) has one column per
# language (django-modeltranslation; each domain's translation.py names the fields). An empty
# value falls back to Russian, then English, then Kyrgyz, so a page never shows a blank name.
MODELTRANSLATION_DEFAULT_LANGUAGE = "ru"
MODELTRANSLATION_LANGUAGES = ("ru", "ky", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("ru", "en", "ky")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Files: local by default, an S3-compatible bucket with FILE_STORAGE=s3 (skypark.ops.storage_config).
from skypark.ops.storage_config import default_storage_config  # noqa: E402

STORAGES = {
    "default": default_storage_config(env),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Backups (manage.py backup / restore, the nightly ops_backup job): where they go and how
# many of the newest stay. Copy BACKUP_DIR off the machine (see README, "Operating it").
BACKUP_DIR = env("BACKUP_DIR", default=str(VAR_DIR / "backups"))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)

# History older than this many days moves to archive tables, nightly (skypark.core.archiving).
ARCHIVE_AFTER_DAYS = {
    "audit": env.int("ARCHIVE_AUDIT_DAYS", default=400),
    "scans": env.int("ARCHIVE_SCANS_DAYS", default=180),
    "notifications": env.int("ARCHIVE_NOTIFICATIONS_DAYS", default=90),
    "events": env.int("ARCHIVE_EVENTS_DAYS", default=400),
}


def cache_config(url: str) -> dict:
    """A ``CACHES`` entry from a cache URL (django-environ's forms). A Redis URL
    (``rediscache://``, ``redis://``, ``rediss://``) means Django's Redis backend with one
    reused client per server (``skypark.core.cache.RedisCache``)."""
    if url.startswith(("redis://", "rediss://", "rediscache://")):
        config = env.cache_url_config(url, backend="django.core.cache.backends.redis.RedisCache")
        config["BACKEND"] = "skypark.core.cache.RedisCache"
        return config
    return env.cache_url_config(url)


# Cache: Redis when CACHE_URL names one, local memory (per process) otherwise.
CACHES = {"default": cache_config(env("CACHE_URL", default="locmemcache://skypark"))}
# How long a process uses its copy of a rarely changing hot value (settings, tier ladders,
# clearing rules, live offers) before checking it against the cache (skypark.core.hotcache).
HOT_CACHE_LOCAL_SECONDS = env.float("HOT_CACHE_LOCAL_SECONDS", default=5.0)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Sky Park <noreply@skypark.kg>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The secret the mail provider signs bounce reports with (``skypark.notify.bounces``);
# empty refuses every report.
EMAIL_BOUNCE_WEBHOOK_SECRET = env("EMAIL_BOUNCE_WEBHOOK_SECRET", default="")

# SMS: a backend behind skypark.notify.sms; console/file locally, a gateway in production.
SMS_BACKEND = env("SMS_BACKEND", default="skypark.notify.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
# A delivery claimed by a worker that died is taken over after this many seconds.
NOTIFY_SENDING_LEASE_SECONDS = env.int("NOTIFY_SENDING_LEASE_SECONDS", default=300)

# Outgoing webhooks (skypark.webhooks.transport): https only where required; networks
# that partner URLs may reach although not public (tests' local receiver only).
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
WEBHOOKS_ALLOWED_NETWORKS = env.list("WEBHOOKS_ALLOWED_NETWORKS", default=[])

# CRM connectors' credentials are encrypted at rest with these Fernet keys
# (loyalty.connectors.crypto): the first encrypts, every one decrypts, so a new key goes
# first, ``manage.py connector_keys_rotate`` re-encrypts, and the old key can then go.
# The default is for development only; production settings require the variable.
CONNECTOR_KEYS = env.list("CONNECTOR_KEYS", default=["ZGV2ZWxvcG1lbnQtb25seS1jb25uZWN0b3Ita2V5LSE="])

# Celery. The embedded default is kombu's filesystem transport: no server needed.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A job whose worker died unacknowledged is handed out again after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
# The queue tasks go to and workers read by default (a test's worker uses a queue of its own).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "skypark.accounts.api.tokens.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API takes JSON bodies only (forms belong to the web pages): one body shape per
    # operation in the schema, so generated clients have one request type to build.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "skypark.core.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "skypark.core.api.autoschema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "skypark.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "skypark.core.api.ratelimit.AnonRateThrottle",
        "skypark.core.api.ratelimit.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="1200/min"),
        "login": env("THROTTLE_LOGIN", default="10/min"),
        "partner": env("THROTTLE_PARTNER", default="6000/min"),
        # Brute-force guards: ticket/registration codes typed or scanned at a gate or an
        # event door (per staff user), and coupon checks (per merchant API key).
        "gate_code": env("THROTTLE_GATE_CODE", default="120/min"),
        "coupon": env("THROTTLE_COUPON", default="120/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Client addresses: REMOTE_ADDR, unless the peer is one of these proxies (addresses or
# networks); only then is X-Forwarded-For read (skypark.core.client_ip).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Staff two-factor log-in (skypark.accounts.mfa). Required for superusers and merchant
# owners and managers when STAFF_MFA_REQUIRED is on (always on in production settings);
# anyone who has set up an authenticator is asked for a code either way. A wrong code
# locks the device for OTP_*_THROTTLE_FACTOR × 2^(failures − 1) seconds.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=False)
STAFF_MFA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Sky Park")
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_TOTP_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = env.int("OTP_STATIC_THROTTLE_FACTOR", default=1)

# Log-in lockout for the web form, the admin and the API token (django-axes with
# skypark.accounts.lockout): AXES_FAILURE_LIMIT wrong passwords for one login from one
# address, or LOGIN_LOCKOUT_IP_LIMIT from one address over all logins, lock that
# combination (never the account everywhere) for AXES_COOLOFF_TIME; each further failure
# after a lockout doubles it, up to LOGIN_LOCKOUT_MAX_COOLOFF.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "skypark.accounts.lockout.LoginLockoutHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_IP_LIMIT = env.int("LOGIN_FAILURE_LIMIT_PER_IP", default=50)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_USERNAME_CALLABLE = "skypark.accounts.lockout.login_of"
AXES_CLIENT_IP_CALLABLE = "skypark.core.client_ip.client_ip"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
LOGIN_LOCKOUT_MAX_COOLOFF = timedelta(hours=env.int("LOGIN_LOCKOUT_MAX_HOURS", default=24))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "new_password1", "new_password2", "code"]
# The forms and the token view answer a lockout themselves (a form error, a 429 in the
# API's error shape), so axes' middleware, which would replace the page, is not used.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # The token view sends Django's user_logged_in, which sets last_login.
    "UPDATE_LAST_LOGIN": False,
    "TOKEN_REFRESH_SERIALIZER": "skypark.accounts.api.serializers.SingleUseTokenRefreshSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sky Park platform API",
    # The description (versioning, changelog, webhooks) is written by skypark.core.api.docs.
    "DESCRIPTION": "REST API of the Sky Park platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "skypark.core.api.docs.postprocess",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" with different choices; name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "skypark.commerce.models.OrderStatus",
        "PaymentStatusEnum": "skypark.commerce.models.PaymentStatus",
        "RefundStatusEnum": "skypark.commerce.models.RefundStatus",
        # A course booking's payment_status would otherwise take the name (and a
        # payment's status would be documented with a booking's states).
        "BookingPaymentStatusEnum": "bookings.models.PaymentState",
        "MerchantStatusEnum": "skypark.accounts.models.Merchant.Status",
    },
}

# Payments. The sandbox card provider is a local stand-in for a card acquirer with a
# hosted page and a signed callback; Stripe Checkout switches on with its keys.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["elqr", "mbank", "omoney", "elcard", "sandbox", "cash"])
# Bank and wallet gateways (skypark.commerce.providers.gateway). A gateway with API_URL and
# SECRET talks to the real service; without them it is its local simulator, which only
# PAYMENT_SIMULATORS allows (off in production).
PAYMENT_GATEWAYS = {
    name: {
        "API_URL": env(f"{name.upper()}_API_URL", default=""),
        "MERCHANT_ID": env(f"{name.upper()}_MERCHANT_ID", default=""),
        "SECRET": env(f"{name.upper()}_SECRET", default=""),
        "TIMEOUT": env.int(f"{name.upper()}_TIMEOUT", default=10),
    }
    for name in ("mbank", "omoney", "elcard", "elqr")
}
PAYMENT_SIMULATORS = env.bool("PAYMENT_SIMULATORS", default=True)
# ELQR codes (skypark.commerce.elqr): the merchant account template (ID 26..51) and the
# scheme identifier are issued by the operator through the acquiring bank.
ELQR_TEMPLATE_ID = env("ELQR_TEMPLATE_ID", default="32")
ELQR_GUID = env("ELQR_GUID", default="kg.elqr")
ELQR_MERCHANT_ACCOUNT = env("ELQR_MERCHANT_ACCOUNT", default="1280000000000001")
ELQR_MCC = env("ELQR_MCC", default="7996")
ELQR_MERCHANT_NAME = env("ELQR_MERCHANT_NAME", default="SKY PARK")
ELQR_MERCHANT_CITY = env("ELQR_MERCHANT_CITY", default="BISHKEK")
ELQR_DEEPLINK_TEMPLATE = env("ELQR_DEEPLINK_TEMPLATE", default="")
# Cash desks' fiscal receipts (skypark.cashdesk.fiscal); the default is the local simulator.
FISCAL_BACKEND = env("FISCAL_BACKEND", default="skypark.cashdesk.fiscal.SimulatorFiscalBackend")
# The fee each provider's contract takes, in percent of gross (skypark.settlements).
SETTLEMENT_FEE_PERCENT = {
    "mbank": env("MBANK_FEE_PERCENT", default="1.5"),
    "omoney": env("OMONEY_FEE_PERCENT", default="2.0"),
    "elcard": env("ELCARD_FEE_PERCENT", default="2.0"),
    "elqr": env("ELQR_FEE_PERCENT", default="0.7"),
}
SANDBOX_PAYMENT_SECRET = env("SANDBOX_PAYMENT_SECRET", default=SECRET_KEY + ":sandbox")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# The code of the merchant whose webhook endpoints receive course-booking events
# (``bookings.webhooks``); empty sends none.
BOOKINGS_WEBHOOK_MERCHANT = env("BOOKINGS_WEBHOOK_MERCHANT", default="")
ORDER_PAYMENT_MINUTES = env.int("ORDER_PAYMENT_MINUTES", default=20)

# Logs: one JSON object per line (LOG_FORMAT=json, production's default) or plain text;
# either way each line carries the request id of the request or task that wrote it.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "skypark.ops.request_ids.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "skypark.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Back-office exports (skypark.core.admin_export): a cell starting with "=" loses it, so
# a spreadsheet never evaluates what someone typed; larger exports run as a staff job.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
ADMIN_EXPORT_SYNC_LIMIT = env.int("ADMIN_EXPORT_SYNC_LIMIT", default=5000)

# Monitoring. /metrics (Prometheus) answers a scraper with this bearer token, or staff.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# A Celery worker serves its task figures on this port (0: off).
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)
CELERY_METRICS_ADDRESS = env("CELERY_METRICS_ADDRESS", default="127.0.0.1")
# Errors go to Sentry when SENTRY_DSN is set (no personal data is sent).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from skypark.ops.sentry import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=""),
        traces=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )


# Analytics: chdb over Parquet parts in ANALYTICS_STORE_DIR, or a ClickHouse server when
# CLICKHOUSE_URL is set (e.g. http://default:@127.0.0.1:8123/skypark). The sync's lag
# above ANALYTICS_LAG_BOUND seconds makes /healthz answer "degraded".
CLICKHOUSE_URL = env("CLICKHOUSE_URL", default="")
ANALYTICS_STORE_DIR = env("ANALYTICS_STORE_DIR", default=str(VAR_DIR / "analytics"))
ANALYTICS_LAG_BOUND = env.int("ANALYTICS_LAG_BOUND", default=900)
# Each web process opens the engine when it starts (skypark/wsgi.py), so no request waits
# for chdb to load (about 0.4 s and 250 MB of mostly shared pages per process).
ANALYTICS_PRELOAD = env.bool("ANALYTICS_PRELOAD", default=True)
# Page views and purchase steps recorded server-side (skypark.analytics.web); kept in the
# database this many days after the store has them.
ANALYTICS_WEB_EVENTS = env.bool("ANALYTICS_WEB_EVENTS", default=True)
ANALYTICS_WEB_EVENTS_KEEP_DAYS = env.int("ANALYTICS_WEB_EVENTS_KEEP_DAYS", default=30)

# Reports (the analytics page and API) read from a read replica when one is given.
REPORTS_ON_REPLICA = bool(env("DATABASE_REPLICA_URL", default=""))
if REPORTS_ON_REPLICA:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
DATABASE_ROUTERS = ["skypark.analytics.routers.ReportReplicaRouter"]
