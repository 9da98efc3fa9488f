from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _setting_changed(sender, **kwargs):
    """Any save or delete of a setting, however it is made, drops the cached copies
    once it commits."""
    from django.db import transaction

    from . import selectors

    transaction.on_commit(selectors.invalidate)


class ConfigConfig(AppConfig):
    name = "skypark.config"
    label = "config"
    verbose_name = _("System settings")

    def ready(self):
        from .models import SystemSetting

        post_save.connect(_setting_changed, sender=SystemSetting, dispatch_uid="config-setting-saved")
        post_delete.connect(_setting_changed, sender=SystemSetting, dispatch_uid="config-setting-deleted")
