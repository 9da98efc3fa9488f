"""Which offers could apply: the live offers of a till's merchant or of the platform's
checkout, cached (their counters may be stale there: appliers re-read them under the
offer row's lock), and dropped from the cache whenever an offer changes."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from ..models import Tier
from .models import Offer

CACHE_SECONDS = 300


def _cache_key(channel, merchant_id):
    return f"loyalty:offers:{channel}:{merchant_id or 0}"


def _forget(offer):
    keys = [_cache_key("till", offer.merchant_id), _cache_key("online", None)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def offers_forget(instance, **_kwargs):
    """Connected to the offer's save and delete: the cached candidate lists go."""
    _forget(instance)


def live_offers(*, channel: str, merchant_id=None, now=None) -> list[Offer]:
    """The approved offers of a till's merchant (``channel="till"``) or of the platform's
    checkout (``"online"``) whose validity has not ended, with their tiers; cached (the
    counters in them may be stale: appliers re-read them under the lock)."""
    key = _cache_key(channel, merchant_id)
    found = cache.get(key)
    if found is None:
        query = Offer.objects.filter(status=Offer.Status.APPROVED, valid_until__gt=now or timezone.now())
        query = query.filter(at_till=True, merchant_id=merchant_id) if channel == "till" else query.filter(online=True)
        found = list(query.prefetch_related(Prefetch("tiers", queryset=Tier.objects.only("pk"))))
        cache.set(key, found, CACHE_SECONDS)
    return found
