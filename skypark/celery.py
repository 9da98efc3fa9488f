import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skypark.settings")

app = Celery("skypark")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_unsafe_settings(**kwargs):
    from skypark.core.safety import refuse_unsafe_settings

    refuse_unsafe_settings()
