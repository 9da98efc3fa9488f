"""The prose of the API schema (``info.description``) and the webhook catalogue's schemas,
added by a drf-spectacular postprocessing hook so that both come from the code: the
changelog and retirements from ``deprecation``, the events from ``skypark.webhooks.catalogue``."""

from .deprecation import RETIRED

# Newest first. An entry per change a client can notice; /api/v1/ changes only by addition.
CHANGELOG = [
    (
        "2026-12-07",
        [
            "Request bodies are JSON only (`application/json`); a form body answers 415 `unsupported_media_type`.",
            "`amount_due` is a decimal string like every amount; partner answers with an amount carry `currency`.",
            "The schema is in English by default (`?lang=ru`, `?lang=ky` or `Accept-Language` for the others).",
            "Every operation lists its error codes per status (`x-error-codes`); answers carry `RateLimit-*` "
            "headers and a 429 carries `Retry-After`.",
            "Partner lists (transactions, imports, customers) read with a `cursor` and filter by `updated_since`; "
            "new `GET /api/v1/partner/imports/` and `GET /api/v1/partner/customers/`. `page` is deprecated there.",
            "The webhook catalogue is published in this schema (`components.schemas.Webhook*`).",
            "Test keys (`sk_test_…`): `mode` in `GET /api/v1/partner/me/` and the key list, `is_test` on "
            "transactions and imports, new `DELETE /api/v1/partner/test-data/`.",
            "Webhook endpoints managed over the API: `GET`/`POST /api/v1/partner/webhooks/`, `GET`/`PATCH "
            "…/webhooks/{id}/`, `POST …/rotate-secret/` and `…/test/` (event `webhook.test`), `GET …/deliveries/`.",
            "CRM connectors: `GET /api/v1/partner/connectors/`, `GET /api/v1/partner/connectors/runs/` and "
            "`…/runs/{id}/` with each run's row report.",
        ],
    ),
    ("2025-06-01", ["`/api/v1/` published."]),
]

INTRO = """REST API of the Sky Park platform: play parks, community events, course bookings and the coalition
loyalty network. Customers authenticate with a JWT (`/api/v1/auth/token/`); partners send their merchant API
key in the `Authorization: Api-Key <key>` header.

## Test keys

Build your integration with a test key (`sk_test_<prefix>.<secret>`, issued beside the live `sk_<prefix>.<secret>`
keys). It calls the same operations with the same validation and gets answers of the same shape, but what it
records is flagged `is_test` and counts nowhere: no points are earned or spent (a test sale's `points_earned` is
what it would earn), no customer balance, tier or coupon use moves, no webhook is sent, and nothing reaches
analytics or settlement. A test key sees only test data and a live key only live data; `external_id` and
`Idempotency-Key` are unique per mode. `DELETE /api/v1/partner/test-data/` removes all of your test data.

## Generated clients

This schema is written for code generators: JSON request bodies only, money as decimal strings
(`"1250.00"`) beside a `currency`, ASCII identifiers. For example
`openapi-python-client generate --url https://<host>/api/schema/?format=json` or
`npx openapi-typescript https://<host>/api/schema/?format=json -o schema.d.ts`.

## Errors

Every error is JSON `{"error": {"code": "...", "message": "...", "details": {...}}}`: `code` is stable and
meant for programs, `message` is for people, in the request's `Accept-Language`. Each operation documents the
status codes it can answer and, in `x-error-codes`, the codes of each.

## Rate limits

Answers carry `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds). Over the limit the
answer is 429 `throttled` with `Retry-After` (seconds).

## Versioning

Everything under `/api/v1/` changes only by addition: new operations, new optional parameters and body
fields, new fields in answers, new error codes and new enum values. Clients must ignore fields they do not know
and treat an unknown error code by its HTTP status. Nothing is renamed, retyped or removed within v1 except by
retirement: a retired feature keeps working until its sunset date, and every answer that uses it carries
`Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link: <...>; rel="deprecation"` headers; the schema marks it
`deprecated`. A change that cannot be additive goes to `/api/v2/`, with v1 kept running alongside.
"""

SIGNATURE_EXAMPLE = '''```python
import hashlib, hmac, time

def verify(body: bytes, header: str, secret: str, tolerance: int = 300) -> bool:
    """header: the X-Skypark-Signature value, e.g. "t=1733500000,v1=5f2b...,v1=9ac1..."."""
    parts = [item.split("=", 1) for item in header.split(",")]
    timestamp = int(next(value for key, value in parts if key == "t"))
    if abs(time.time() - timestamp) > tolerance:
        return False  # a replay
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1")
```'''


def _schema_name(event_name: str) -> str:
    return "Webhook" + "".join(part.capitalize() for part in event_name.replace("_", ".").split(".")) + "Data"


def description(webhook_events) -> str:
    lines = [INTRO.strip(), "", "## Retired", ""]
    if RETIRED:
        lines += [f"- {item.what}: {item.describe()}" for item in RETIRED]
    else:
        lines.append("Nothing is retired.")
    lines += ["", "## Changelog", ""]
    for day, changes in CHANGELOG:
        lines += [f"### {day}", "", *(f"- {change}" for change in changes), ""]
    lines += [
        "## Webhooks",
        "",
        "Set up in the admin per merchant. Each event is a `POST` of JSON `WebhookEnvelope` (its `data` as in the "
        "event's schema below) with the headers `X-Skypark-Event`, `X-Skypark-Delivery` (the event id: deliveries "
        "are retried with backoff, so de-duplicate by it) and `X-Skypark-Signature: t=<unix time>,v1=<hex>`, the "
        'HMAC-SHA256 of `"<t>.<body>"` with your signing secret (two `v1` while a rotated secret overlaps). Answer '
        "2xx within 5 seconds.",
        "",
        "| event | data | what happened |",
        "|---|---|---|",
        *(f"| `{event.name}` | `{_schema_name(event.name)}` | {event.description} |" for event in webhook_events),
        "",
        "Verifying a delivery:",
        "",
        SIGNATURE_EXAMPLE,
    ]
    return "\n".join(lines)


def postprocess(result, generator, request, public):
    from skypark.webhooks.catalogue import ENVELOPE, events

    webhook_events = events()
    result["info"]["description"] = description(webhook_events)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["WebhookEnvelope"] = ENVELOPE
    for event in webhook_events:
        schemas[_schema_name(event.name)] = {
            **event.data_schema,
            "description": f"`{event.name}`: {event.description}",
            "example": event.example,
        }
    return result
