from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "skypark.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self):
        from . import schedules

        # Sent once per app after every migrate; the core's own is enough (every app's
        # tables exist by then).
        post_migrate.connect(schedules.schedules_install_all, sender=self, dispatch_uid="core.schedules_install_all")
