"""The core's own webhook event: the test a partner sends to an endpoint from the API
(``skypark.webhooks.services.endpoint_test_send``)."""

from .catalogue import register
from .services import TEST_EVENT

register(
    TEST_EVENT,
    description="A test you sent to this endpoint (partner API `POST /partner/webhooks/{id}/test/`).",
    data_schema={
        "type": "object",
        "properties": {
            "endpoint": {"type": "integer", "description": "The endpoint's id."},
            "sent_at": {"type": "string", "format": "date-time", "description": "When the test was asked for."},
        },
        "required": ["endpoint", "sent_at"],
    },
    example={"endpoint": 12, "sent_at": "2026-06-01T10:00:00+06:00"},
)
