from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty network")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from skypark.accounts.signals import phone_verified
        from skypark.commerce import signals
        from skypark.core import loyalty

        from . import dashboard, receivers
        from .models import CrossPromo, Tier
        from .services import LoyaltyProvider
        from .services.earning import tier_ladder_forget
        from .services.partner import promos_forget

        loyalty.set_provider(LoyaltyProvider())
        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid="loyalty.order_paid")
        signals.order_refunded.connect(receivers.on_order_refunded, dispatch_uid="loyalty.order_refunded")
        signals.order_expired.connect(receivers.on_order_released, dispatch_uid="loyalty.order_expired")
        signals.order_cancelled.connect(receivers.on_order_released, dispatch_uid="loyalty.order_cancelled")
        signals.order_revive.connect(receivers.on_order_revive, dispatch_uid="loyalty.order_revive")
        phone_verified.connect(receivers.on_phone_verified, dispatch_uid="loyalty.phone_verified")
        from .offers import receivers as offer_receivers
        from .offers.models import Offer
        from .offers.services import offers_forget

        signals.order_refunded.connect(offer_receivers.on_order_refunded, dispatch_uid="loyalty.offers.refunded")
        signals.order_expired.connect(offer_receivers.on_order_released, dispatch_uid="loyalty.offers.expired")
        signals.order_cancelled.connect(offer_receivers.on_order_released, dispatch_uid="loyalty.offers.cancelled")
        for signal in (post_save, post_delete):
            signal.connect(offers_forget, sender=Offer, dispatch_uid=f"loyalty.offers.{signal is post_save}")
        # What the POS path caches: the tier ladder and which merchants start a chain.
        for signal in (post_save, post_delete):
            signal.connect(tier_ladder_forget, sender=Tier, dispatch_uid=f"loyalty.tier_ladder.{signal is post_save}")
            signal.connect(promos_forget, sender=CrossPromo, dispatch_uid=f"loyalty.promos.{signal is post_save}")
        del dashboard
