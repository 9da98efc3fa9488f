from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "skypark.commerce"
    label = "commerce"
    verbose_name = _("Orders and payments")

    def ready(self):
        from . import dashboard, jobs  # noqa: F401
