from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashdeskConfig(AppConfig):
    name = "skypark.cashdesk"
    label = "cashdesk"
    verbose_name = _("Cash desks")

    def ready(self):
        from skypark.core.backoffice import place

        place("cashdesk", section="finance")
