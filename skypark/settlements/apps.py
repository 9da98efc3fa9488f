from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementsConfig(AppConfig):
    name = "skypark.settlements"
    label = "settlements"
    verbose_name = _("Settlement reconciliation")

    def ready(self):
        from skypark.core.backoffice import place

        place("settlements", section="finance")
