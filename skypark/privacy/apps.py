from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "skypark.privacy"
    label = "privacy"
    verbose_name = _("Personal data")

    def ready(self):
        from . import declarations, registry

        registry.autodiscover()
        del declarations
