import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skypark.settings")
application = get_wsgi_application()

from skypark.core.safety import refuse_unsafe_settings  # noqa: E402  (needs the settings loaded)

refuse_unsafe_settings()

from skypark.analytics.engines import preload  # noqa: E402

preload()
