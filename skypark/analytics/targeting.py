"""RFM segments as targets for other apps (the offer constructor), through the core's
segment port (``skypark.core.segments``): the customer's segment in the latest daily
snapshot, network-wide or among one merchant's customers.

Snapshots change once a day, so the answers are cached (keyed by the snapshot's date, so
a new snapshot is read at once): a till sale that meets a segment-targeted offer costs a
cache read, not a query of the store."""

from django.core.cache import cache

from .segments import SEGMENTS
from .selectors import _rfm, rfm_latest_date

DATE_SECONDS = 600
SEGMENT_SECONDS = 3600


def _latest(scope):
    key = f"analytics:rfm-latest:{scope}"
    day = cache.get(key)
    if day is None:
        day = rfm_latest_date(scope=scope) or ""
        cache.set(key, day, DATE_SECONDS)
    return day or None


class AnalyticsSegments:
    def segment_of(self, *, customer_id, merchant_id=None):
        scope = merchant_id or 0
        day = _latest(scope)
        if day is None:
            return None
        key = f"analytics:rfm-segment:{scope}:{day}:{customer_id}"
        found = cache.get(key)
        if found is None:
            from .engines import get_engine

            rows = get_engine().query(
                f"SELECT rfm_segment FROM {_rfm('scope_merchant_id = {scope} AND snapshot_date = {day}')} "
                "WHERE user_id = {user} ORDER BY currency LIMIT 1",
                {"scope": scope, "day": day, "user": customer_id},
            )
            found = rows[0]["rfm_segment"] if rows else ""
            cache.set(key, found, SEGMENT_SECONDS)
        return found or None

    def choices(self):
        return [(code, str(label)) for code, label in SEGMENTS.items()]
