"""Reading system settings: the one small API every domain uses.

Values are kept as a ``HotCache`` (``skypark.core.hotcache``): a hot path costs no query
and, most of the time, no cache round trip either; a change (``invalidate``, called after
commit by every write and on any save or delete of a setting) is seen at once in this
process and within ``HOT_CACHE_LOCAL_SECONDS`` in the others.
``get_decimal("pricing.over_3")`` returns ``Decimal("790")``.
"""

from decimal import Decimal

from skypark.core.hotcache import HotCache

from .defaults import DEFAULTS
from .models import SystemSetting

SETTINGS = HotCache("system-settings:v2")
_DEFAULTS = {row[0]: (row[1], row[2]) for row in DEFAULTS}


class UnknownSetting(KeyError):
    pass


def _read():
    return {s.key: (s.value, s.data_type, s.is_public) for s in SystemSetting.objects.all()}


def _load():
    return SETTINGS.get(_read)


def invalidate():
    SETTINGS.forget()


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
