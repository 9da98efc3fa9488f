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
    "skypark.privacy",
    "skypark.webhooks",
    # domains
    "skypark.parks",
    "loyalty",
    "events",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "skypark.core.middleware.RefuseUnstorableInputMiddleware",
    "skypark.core.api.language.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "skypark.accounts.mfa.middleware.StaffMfaMiddleware",
    "skypark.accounts.middleware.UserLanguageMiddleware",
    "skypark.accounts.middleware.SessionTouchMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Cache: Redis when REDIS_URL/CACHE_URL is given, local memory otherwise.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://skypark")}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Sky Park <noreply@skypark.kg>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS: a backend behind skypark.notify.sms; console/file locally, a gateway in production.
SMS_BACKEND = env("SMS_BACKEND", default="skypark.notify.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
# A delivery claimed by a worker that died is taken over after this many seconds.
NOTIFY_SENDING_LEASE_SECONDS = env.int("NOTIFY_SENDING_LEASE_SECONDS", default=300)

# Outgoing webhooks (skypark.webhooks.transport): https only where required; networks
# that partner URLs may reach although not public (tests' local receiver only).
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
WEBHOOKS_ALLOWED_NETWORKS = env.list("WEBHOOKS_ALLOWED_NETWORKS", default=[])

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
    "DEFAULT_PAGINATION_CLASS": "skypark.core.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "skypark.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
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
    "DESCRIPTION": (
        "REST API of the Sky Park platform: play parks, community events, course bookings "
        "and the coalition loyalty network. Customers authenticate with a JWT "
        "(`/api/v1/auth/token/`); partners send their merchant API key in the "
        "`Authorization: Api-Key <key>` header. Every error is JSON of the form "
        '`{"error": {"code": "...", "message": "...", "details": {...}}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" with different choices; name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "skypark.commerce.models.OrderStatus",
        "PaymentStatusEnum": "skypark.commerce.models.PaymentStatus",
        "RefundStatusEnum": "skypark.commerce.models.RefundStatus",
    },
}

# Payments. The sandbox card provider is a local stand-in for a card acquirer with a
# hosted page and a signed callback; Stripe Checkout switches on with its keys.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["sandbox", "cash"])
SANDBOX_PAYMENT_SECRET = env("SANDBOX_PAYMENT_SECRET", default=SECRET_KEY + ":sandbox")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
ORDER_PAYMENT_MINUTES = env.int("ORDER_PAYMENT_MINUTES", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Back-office exports (skypark.core.admin_export): a cell starting with "=" loses it, so
# a spreadsheet never evaluates what someone typed; larger exports run as a staff job.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
ADMIN_EXPORT_SYNC_LIMIT = env.int("ADMIN_EXPORT_SYNC_LIMIT", default=5000)
