"""Development settings never serve by accident: without the development flag a web
server or worker refuses DEBUG and the development key, and seed_demo refuses to create
its published logins unless forced."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from skypark.accounts.models import User
from skypark.core.safety import refuse_unsafe_settings, unsafe_settings

STRONG_KEY = "k3J9-x8QpZ2vL7mN4bR6tY1wE5uI0oPaSdFgHjKlZxCvBnMqWeRtYu"


def test_debug_or_the_development_key_is_refused_without_the_flag(settings):
    settings.DEVELOPMENT = False
    settings.DEBUG, settings.SECRET_KEY = True, STRONG_KEY
    with pytest.raises(ImproperlyConfigured, match="DEBUG is on"):
        refuse_unsafe_settings()
    settings.DEBUG, settings.SECRET_KEY = False, settings.DEVELOPMENT_SECRET_KEY
    with pytest.raises(ImproperlyConfigured, match="development key"):
        refuse_unsafe_settings()
    settings.SECRET_KEY = "short"
    with pytest.raises(ImproperlyConfigured, match="shorter"):
        refuse_unsafe_settings()
    settings.SECRET_KEY = STRONG_KEY
    refuse_unsafe_settings()


def test_the_development_flag_allows_development_settings(settings):
    settings.DEVELOPMENT, settings.DEBUG, settings.SECRET_KEY = True, True, settings.DEVELOPMENT_SECRET_KEY
    assert unsafe_settings() == []
    refuse_unsafe_settings()


def _load_wsgi(extra_env):
    env = {k: v for k, v in os.environ.items() if k not in ("SKYPARK_DEVELOPMENT", "DEBUG", "SECRET_KEY")}
    env.update({"DJANGO_SETTINGS_MODULE": "skypark.settings", **extra_env})
    return subprocess.run(
        [sys.executable, "-c", "import skypark.wsgi"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_the_wsgi_application_refuses_the_defaults_and_starts_with_the_flag():
    refused = _load_wsgi({"DEBUG": "true"})
    assert refused.returncode != 0
    assert "Refusing to serve: DEBUG is on; SECRET_KEY is the development key" in refused.stderr
    assert _load_wsgi({"SKYPARK_DEVELOPMENT": "1"}).returncode == 0
    assert _load_wsgi({"SECRET_KEY": STRONG_KEY}).returncode == 0


@pytest.mark.django_db
def test_seed_demo_refuses_outside_development_unless_forced(settings):
    settings.DEVELOPMENT = False
    with pytest.raises(CommandError, match="SKYPARK_DEVELOPMENT"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.filter(is_superuser=True).exists()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert User.objects.filter(is_superuser=True).exists()
