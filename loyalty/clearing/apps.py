from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClearingConfig(AppConfig):
    name = "loyalty.clearing"
    label = "clearing"
    verbose_name = _("Coalition clearing")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import dashboard
        from .models import ClearingRule, Coalition, FundingRule
        from .services.rules import rules_forget

        for model in (Coalition, ClearingRule, FundingRule):
            for signal in (post_save, post_delete):
                signal.connect(rules_forget, sender=model, dispatch_uid=f"clearing.rules.{model.__name__}.{id(signal)}")
        del dashboard
