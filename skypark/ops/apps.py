from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "skypark.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from . import metrics, request_ids  # noqa: F401  (connects the Celery signals)

        metrics.register()
