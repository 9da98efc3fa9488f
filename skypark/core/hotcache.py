"""Values that hot paths read on every request and that change rarely: system settings,
tier ladders, clearing rules, live offers.

Each value lives in the Django cache with a random token, and each process keeps its own
copy, re-validated against the token (one small read) at most every
``HOT_CACHE_LOCAL_SECONDS`` (5 s by default): most reads cost neither a query nor a cache
round trip nor unpickling. ``forget`` drops the value in the cache and in this process at
once and again after the commit (a reader in between may have loaded the old rows); other
processes see the change at their next check, within ``HOT_CACHE_LOCAL_SECONDS``.

    LADDERS = HotCache("loyalty:tier-ladder")
    ladder = LADDERS.get(lambda: tier_ladder(merchant_id), merchant_id)
    LADDERS.forget(merchant_id)
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

_families = []


def local_seconds() -> float:
    return float(getattr(settings, "HOT_CACHE_LOCAL_SECONDS", 5.0))


class HotCache:
    def __init__(self, prefix: str, *, seconds: int = 300):
        self.prefix, self.seconds = prefix, seconds
        self._local = {}  # part -> (token, value, monotonic time of the last check)
        _families.append(self)

    def _keys(self, part):
        key = self.prefix if part is None else f"{self.prefix}:{part}"
        return key, f"{key}:token"

    def get(self, load, part=None):
        """The value of ``part`` (``None`` for a family of one), from this process's copy,
        the cache, or ``load()``."""
        key, token_key = self._keys(part)
        now = time.monotonic()
        held = self._local.get(part)
        if held is not None:
            token, value, checked = held
            if now - checked < local_seconds():
                return value
            if cache.get(token_key) == token:
                self._local[part] = (token, value, now)
                return value
        entry = cache.get(key)
        if entry is None:
            entry = (uuid.uuid4().hex, load())
            cache.set_many({key: entry, token_key: entry[0]}, self.seconds)
        self._local[part] = (entry[0], entry[1], now)
        return entry[1]

    def forget(self, part=None):
        keys = self._keys(part)

        def drop():
            self._local.pop(part, None)
            cache.delete_many(keys)

        drop()
        transaction.on_commit(drop)

    def forget_local(self):
        self._local.clear()


def forget_local_all():
    """Drops every process copy (the cached values stay): for a test that starts afresh."""
    for family in _families:
        family.forget_local()
