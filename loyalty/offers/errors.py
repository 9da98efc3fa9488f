"""The offer constructor's refusals, each with a stable machine code for the API."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError, Forbidden, NotFound


class OfferNotFound(NotFound):
    code = "offer_not_found"
    default_message = _("No such offer.")


class OfferInvalid(DomainError):
    """``details["fields"]``: ``{field: [messages]}``."""

    code = "offer_invalid"
    default_message = _("The offer is not valid.")


class OfferNotEditable(Conflict):
    """``details["status"]``: the offer's status, which does not allow this step."""

    code = "offer_wrong_status"
    default_message = _("The offer cannot take this step in its current status.")


class OfferNeedsAcceptance(Conflict):
    code = "offer_needs_partner_acceptance"
    default_message = _("The partner who co-funds this offer has not accepted it yet.")


class OfferNotYours(NotFound):
    code = "offer_not_addressed_to_you"
    default_message = _("This offer does not name your business as its partner.")


class OffersNeedLiveKey(Forbidden):
    code = "live_key_required"
    default_message = _("Offers are composed with a live API key (sk_live_…); a test key sees none.")
