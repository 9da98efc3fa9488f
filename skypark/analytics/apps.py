from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "skypark.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from . import checks  # noqa: F401
