"""Which offers could apply: the live offers of a till's merchant or of the platform's
checkout, cached (their counters may be stale there: appliers re-read them under the
offer row's lock), and dropped from the cache whenever an offer changes."""

from django.db.models import Prefetch
from django.utils import timezone

from skypark.core.hotcache import HotCache

from ..models import Tier
from .models import Offer

OFFERS = HotCache("loyalty:offers")


def _part(channel, merchant_id):
    return f"{channel}:{merchant_id or 0}"


def _forget(offer):
    OFFERS.forget(_part("till", offer.merchant_id))
    OFFERS.forget(_part("online", None))


def offers_forget(instance, **_kwargs):
    """Connected to the offer's save and delete: the cached candidate lists go."""
    _forget(instance)


def live_offers(*, channel: str, merchant_id=None, now=None) -> list[Offer]:
    """The approved offers of a till's merchant (``channel="till"``) or of the platform's
    checkout (``"online"``) whose validity has not ended, with their tiers; cached (the
    counters in them may be stale: appliers re-read them under the lock)."""

    def load():
        query = Offer.objects.filter(status=Offer.Status.APPROVED, valid_until__gt=now or timezone.now())
        query = query.filter(at_till=True, merchant_id=merchant_id) if channel == "till" else query.filter(online=True)
        return list(query.prefetch_related(Prefetch("tiers", queryset=Tier.objects.only("pk"))))

    return OFFERS.get(load, _part(channel, merchant_id))
