import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skypark.settings")
application = get_asgi_application()

from skypark.core.safety import refuse_unsafe_settings  # noqa: E402  (needs the settings loaded)

refuse_unsafe_settings()
