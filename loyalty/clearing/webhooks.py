"""The settlement event partners can receive: ``settlement.closed`` — a period closed and
the partner's statement is ready to read (``/api/v1/partner/settlement/statements/…``).
Recorded by ``skypark.webhooks.services.webhook_emit`` inside the close's transaction."""

from skypark.core.api.money import MONEY_SCHEMA
from skypark.webhooks.catalogue import register
from skypark.webhooks.services import webhook_emit

SETTLEMENT_CLOSED = "settlement.closed"
EVENTS = (SETTLEMENT_CLOSED,)

register(
    SETTLEMENT_CLOSED,
    description="A settlement period of the coalition closed; your statement for it is ready to read.",
    data_schema={
        "type": "object",
        "properties": {
            "statement": {"type": "string", "description": "The statement's number."},
            "period_from": {"type": "string", "format": "date-time"},
            "period_until": {"type": "string", "format": "date-time"},
            "currency": {"type": "string"},
            "opening_balance": {**MONEY_SCHEMA, "description": "Brought forward; positive: the coalition owes you."},
            "net": {**MONEY_SCHEMA, "description": "Your net position from the period's movements."},
            "closing_balance": {**MONEY_SCHEMA, "description": "Positive: the coalition owes you; negative: you owe."},
        },
        "required": [
            "statement",
            "period_from",
            "period_until",
            "currency",
            "opening_balance",
            "net",
            "closing_balance",
        ],
    },
    example={
        "statement": "svoy-krug-20261101-coffee",
        "period_from": "2026-11-01T00:00:00+06:00",
        "period_until": "2026-12-01T00:00:00+06:00",
        "currency": "KGS",
        "opening_balance": "0.00",
        "net": "-1250.00",
        "closing_balance": "-1250.00",
    },
)


def settlement_closed(*, statement):
    period = statement.period
    return webhook_emit(
        event=SETTLEMENT_CLOSED,
        event_id=f"{SETTLEMENT_CLOSED}:{statement.number}",
        owner=statement.merchant,
        payload={
            "statement": statement.number,
            "period_from": period.starts_at,
            "period_until": period.ends_at,
            "currency": statement.currency,
            "opening_balance": statement.opening_balance,
            "net": statement.net,
            "closing_balance": statement.closing_balance,
        },
    )
