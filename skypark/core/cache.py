"""The cache backend on Redis, and the one cache operation the rate limits need.

Django's own Redis backend builds a new ``redis.Redis`` client object around its
connection pool on every call; the client is thread-safe and holds nothing of a call's
state, so ``RedisCache`` here keeps one per server and reuses it. Everything else —
keys, serialisation, pools and options — is Django's, so ``CACHE_URL=rediscache://…``
(``redis://``, ``rediss://``) means this backend and the same data on the server
(``skypark.settings.cache_config``).

``window_hit`` counts a request in a fixed window that starts with the first request
counted: the count and the seconds until the window ends. On Redis it is one round trip
(``SET NX EX``, ``INCR`` and ``PTTL`` in one pipeline), exact across processes; on any
other backend a read and a write, exact within a process (local memory is per process
anyway) and at worst letting a few concurrent requests more through on a shared one.
"""

import math
import threading
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

REDIS_SCHEMES = ("redis://", "rediss://", "rediscache://", "unix://")


class PooledRedisCacheClient(RedisCacheClient):
    """Django's client with one ``redis.Redis`` per server, made on first use."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient

    def window_hit(self, key, seconds: int) -> tuple[int, float]:
        key = self.make_and_validate_key(key)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, 0, ex=seconds, nx=True)
        pipe.incr(key)
        pipe.pttl(key)
        _created, count, left_ms = pipe.execute()
        return int(count), max(left_ms, 0) / 1000


_lock = threading.Lock()


def window_hit(cache, key: str, seconds: int) -> tuple[int, float]:
    """Counts one request under ``key`` in its window of ``seconds``; returns the count so
    far in this window (this one included) and the seconds until the window ends."""
    own = getattr(cache, "window_hit", None)
    if own is not None:
        return own(key, seconds)
    with _lock:
        now = time.time()
        started, count = cache.get(key) or (now, 0)
        if started + seconds <= now:
            started, count = now, 0
        count += 1
        left = started + seconds - now
        cache.set(key, (started, count), max(math.ceil(left), 1))
    return count, left
