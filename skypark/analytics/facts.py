"""The analytics' own fact source: the web events (``WebEvent``) into ``web_events``."""

from skypark.core.facts import changed_after, fact_source

from .models import WebEvent
from .web import SOURCE


@fact_source(name=SOURCE, table="web_events")
def web_events(after, limit):
    fields = (
        "pk",
        "created_at",
        "kind",
        "user_id",
        "visitor",
        "route",
        "path",
        "referrer",
        "product",
        "object_id",
        "language",
        "device_type",
        "browser",
        "ip_prefix",
    )
    rows = changed_after(WebEvent.objects.all(), after, field="created_at").values_list(*fields)[:limit]
    return [
        {
            "_pk": row[0],
            "_changed_at": row[1],
            "event_id": str(row[0]),
            "occurred_at": row[1],
            "kind": row[2],
            "user_id": row[3] or 0,
            **dict(zip(fields[4:], row[4:], strict=True)),
        }
        for row in rows
    ]
