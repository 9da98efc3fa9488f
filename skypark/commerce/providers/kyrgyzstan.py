"""The gateways Sky Park's parks take in Kyrgyzstan (see ``gateway`` for the shape)."""

from django.utils.translation import gettext_lazy as _

from .gateway import GatewayProvider


class MBankProvider(GatewayProvider):
    """MBank (MBANK bank's app and wallet): the customer confirms in the app."""

    name = "mbank"
    label = _("MBank")
    methods = ("mbank",)
    flow = "qr"


class OMoneyProvider(GatewayProvider):
    """O!Money (O!Деньги), the wallet of the O! mobile operator."""

    name = "omoney"
    label = _("O!Money")
    methods = ("omoney",)
    flow = "qr"


class ElcardProvider(GatewayProvider):
    """Elcard, the national card scheme (Interbank Processing Center e-commerce):
    a hosted card page."""

    name = "elcard"
    label = _("Elcard")
    methods = ("elcard",)
    flow = "redirect"


class ElqrProvider(GatewayProvider):
    """ELQR through the park's acquiring bank: a dynamic ELQR code per payment (built
    here, ``commerce.elqr``), paid from any Kyrgyz bank app; the acquirer confirms."""

    name = "elqr"
    label = _("ELQR")
    methods = ("elqr",)
    flow = "qr"
