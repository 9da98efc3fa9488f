"""Reading system settings: the one small API every domain uses.

Values are cached (Django cache, then a per-process copy keyed by a version counter) so
a hot path costs no query. ``get_decimal("pricing.over_3")`` returns ``Decimal("790")``.
"""

from decimal import Decimal

from django.core.cache import cache

from .defaults import DEFAULTS
from .models import SystemSetting

CACHE_KEY = "system-settings:v1"
CACHE_SECONDS = 300
_DEFAULTS = {row[0]: (row[1], row[2]) for row in DEFAULTS}


class UnknownSetting(KeyError):
    pass


def _load():
    values = cache.get(CACHE_KEY)
    if values is None:
        values = {s.key: (s.value, s.data_type, s.is_public) for s in SystemSetting.objects.all()}
        cache.set(CACHE_KEY, values, CACHE_SECONDS)
    return values


def invalidate():
    cache.delete(CACHE_KEY)


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
