from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "skypark.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from skypark.core.outbox import effect_register

        from .confirmations import confirmation_effect
        from .confirmations.services import EFFECT

        effect_register(EFFECT, confirmation_effect)
