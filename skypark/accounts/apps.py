from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "skypark.accounts"
    label = "accounts"
    verbose_name = _("Customers, staff and merchants")

    def ready(self):
        from . import dashboard  # noqa: F401
