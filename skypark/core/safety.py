"""A server that is not a developer's own refuses to run with development settings.

``make run`` sets the development flag (``SKYPARK_DEVELOPMENT=1``). Anything else that
serves requests or runs jobs — gunicorn or runserver through ``skypark.wsgi``, an ASGI
server, a Celery worker or beat — calls :func:`refuse_unsafe_settings` first and stops
with a clear message when DEBUG is on (tracebacks and the URLconf shown to anyone) or the
secret key is the development one or too short to sign sessions safely.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50


def unsafe_settings() -> list[str]:
    if settings.DEVELOPMENT:
        return []
    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on")
    key = settings.SECRET_KEY or ""
    if key == settings.DEVELOPMENT_SECRET_KEY:
        problems.append("SECRET_KEY is the development key")
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters or not random")
    return problems


def refuse_unsafe_settings():
    problems = unsafe_settings()
    if problems:
        raise ImproperlyConfigured(
            "Refusing to serve: "
            + "; ".join(problems)
            + ". Set DEBUG=false and a random SECRET_KEY, or SKYPARK_DEVELOPMENT=1 on a developer's machine."
        )
