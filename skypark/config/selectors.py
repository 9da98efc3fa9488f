"""Reading system settings: the one small API every domain uses.

Values are cached so a hot path costs no query and, most of the time, no cache round
trip either: the settings live in the Django cache under a version token, and each
process keeps a copy that it re-validates against the token at most every
``LOCAL_SECONDS``. A change (``invalidate``, called after commit by every write and on
any save or delete of a setting) drops the shared entry and this process's copy at once;
another process sees it within ``LOCAL_SECONDS``.
``get_decimal("pricing.over_3")`` returns ``Decimal("790")``.
"""

import time
import uuid
from decimal import Decimal

from django.core.cache import cache

from .defaults import DEFAULTS
from .models import SystemSetting

CACHE_KEY = "system-settings:v2"
TOKEN_KEY = "system-settings:token"
CACHE_SECONDS = 300
LOCAL_SECONDS = 5.0
_DEFAULTS = {row[0]: (row[1], row[2]) for row in DEFAULTS}
# (token, values, monotonic time of the last check against the shared token)
_local = (None, None, 0.0)


class UnknownSetting(KeyError):
    pass


def _load():
    global _local
    token, values, checked = _local
    now = time.monotonic()
    if values is not None and now - checked < LOCAL_SECONDS:
        return values
    if values is not None and token is not None and cache.get(TOKEN_KEY) == token:
        _local = (token, values, now)
        return values
    entry = cache.get(CACHE_KEY)
    if entry is None:
        values = {s.key: (s.value, s.data_type, s.is_public) for s in SystemSetting.objects.all()}
        entry = (uuid.uuid4().hex, values)
        cache.set(CACHE_KEY, entry, CACHE_SECONDS)
        cache.set(TOKEN_KEY, entry[0], CACHE_SECONDS)
    _local = (entry[0], entry[1], now)
    return entry[1]


def forget_local():
    """Drops this process's copy (the shared entry stays): the next read asks the cache."""
    global _local
    _local = (None, None, 0.0)


def invalidate():
    cache.delete_many([CACHE_KEY, TOKEN_KEY])
    forget_local()


def get(key):
    values = _load()
    if key in values:
        value, data_type, _public = values[key]
    elif key in _DEFAULTS:
        value, data_type = _DEFAULTS[key]
    else:
        raise UnknownSetting(key)
    if data_type == SystemSetting.DataType.NUMBER:
        return Decimal(str(value))
    return value


def get_decimal(key) -> Decimal:
    return Decimal(get(key))


def get_int(key) -> int:
    return int(get(key))


def public_settings() -> dict:
    return {key: value for key, (value, _type, public) in _load().items() if public}
