"""Production settings: everything in ``skypark.settings`` plus the hardening that
``manage.py check --deploy`` asks for. Secrets must come from the environment."""

from . import *  # noqa: F403
from . import env

DEBUG = False
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "plain"  # noqa: F405
WEBHOOKS_REQUIRE_HTTPS = True
WEBHOOKS_ALLOWED_NETWORKS = []
# No development key in production: credentials cannot be stored until keys are given.
CONNECTOR_KEYS = env.list("CONNECTOR_KEYS", default=[])
# Superusers and merchant owners/managers log in to the back-office with a second factor.
STAFF_MFA_REQUIRED = True
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers and orchestrators probe health over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,  # noqa: F405  (files: local or FILE_STORAGE=s3)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# The sandbox acquirer approves a public test card number; a live site takes it only
# when PAYMENT_PROVIDERS names it explicitly.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["cash"])
# Gateway simulators approve anything: a live site uses gateways only with credentials.
PAYMENT_SIMULATORS = env.bool("PAYMENT_SIMULATORS", default=False)
