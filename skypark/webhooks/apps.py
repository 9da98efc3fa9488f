from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "skypark.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from skypark.core.outbox import effect_register

        from .models import WebhookEndpoint
        from .services import EMIT_EFFECT, emit_effect, endpoints_forget

        effect_register(EMIT_EFFECT, emit_effect)

        for signal in (post_save, post_delete):
            signal.connect(
                endpoints_forget, sender=WebhookEndpoint, dispatch_uid=f"webhooks.endpoints.{signal is post_save}"
            )
