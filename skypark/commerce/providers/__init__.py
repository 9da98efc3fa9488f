"""The provider registry. ``settings.PAYMENT_PROVIDERS`` lists the enabled names; Stripe
also switches on by itself when ``STRIPE_SECRET_KEY`` is set."""

from django.conf import settings
from django.utils.module_loading import import_string

from ..errors import ProviderUnavailable
from .base import PaymentAction, PaymentProvider, RefundResult

REGISTRY = {
    "cash": "skypark.commerce.providers.base.CashProvider",
    "elqr": "skypark.commerce.providers.kyrgyzstan.ElqrProvider",
    "mbank": "skypark.commerce.providers.kyrgyzstan.MBankProvider",
    "omoney": "skypark.commerce.providers.kyrgyzstan.OMoneyProvider",
    "elcard": "skypark.commerce.providers.kyrgyzstan.ElcardProvider",
    "sandbox": "skypark.commerce.providers.sandbox.SandboxProvider",
    "stripe": "skypark.commerce.providers.stripe.StripeProvider",
    "terminal": "skypark.commerce.providers.base.TerminalProvider",
    "invoice": "skypark.commerce.providers.invoice.InvoiceProvider",
}

__all__ = ["PaymentAction", "PaymentProvider", "RefundResult", "enabled_providers", "get_provider", "load_provider"]


def load_provider(name) -> PaymentProvider:
    """The provider class for ``name`` whether enabled or not: callbacks for payments
    started before a provider was switched off must still be honoured."""
    try:
        return import_string(REGISTRY[name])()
    except KeyError:
        raise ProviderUnavailable(details={"provider": name})


# Taken only at a cash desk by staff: always on, never offered to customers.
DESK_ONLY = ("terminal", "invoice")


def _enabled_names():
    names = list(dict.fromkeys([*settings.PAYMENT_PROVIDERS, *DESK_ONLY]))
    if getattr(settings, "STRIPE_SECRET_KEY", "") and "stripe" not in names:
        names.append("stripe")
    return [name for name in names if name in REGISTRY]


def enabled_providers() -> list[PaymentProvider]:
    """What a customer may choose from (desk-only providers left out)."""
    providers = [load_provider(name) for name in _enabled_names() if name not in DESK_ONLY]
    return [provider for provider in providers if provider.is_configured()]


def get_provider(name) -> PaymentProvider:
    """An enabled, configured provider, or ``ProviderUnavailable``."""
    if name not in _enabled_names():
        raise ProviderUnavailable(details={"provider": name})
    provider = load_provider(name)
    if not provider.is_configured():
        raise ProviderUnavailable(details={"provider": name})
    return provider
