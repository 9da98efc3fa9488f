"""The loyalty events partners can receive, and their payloads. Each is recorded by
``skypark.webhooks.services.webhook_emit`` inside the transaction of the change, for the
merchant where it happened.

* ``points.awarded`` — a sale earned points: ``external_id``, ``customer_code``,
  ``points``, ``balance``.
* ``coupon.redeemed`` — a coupon was used at the till: ``coupon``, ``customer_code``,
  ``discount``, ``reference``.
"""

from skypark.core.api.money import MONEY_SCHEMA
from skypark.webhooks.catalogue import register
from skypark.webhooks.services import webhook_emit, webhook_emit_many

POINTS_AWARDED = "points.awarded"
COUPON_REDEEMED = "coupon.redeemed"
EVENTS = (POINTS_AWARDED, COUPON_REDEEMED)

register(
    POINTS_AWARDED,
    description="A sale recorded through the API or an import earned the customer points.",
    data_schema={
        "type": "object",
        "properties": {
            "external_id": {"type": "string", "description": "Your id of the sale."},
            "customer_code": {"type": "string"},
            "points": {"type": "integer", "description": "Points earned by the sale."},
            "balance": {"type": "integer", "description": "The balance after it."},
        },
        "required": ["external_id", "customer_code", "points", "balance"],
    },
    example={"external_id": "till1-000123", "customer_code": "7K3M9P2QXA", "points": 120, "balance": 1360},
)
register(
    COUPON_REDEEMED,
    description="A coupon was used at one of your tills.",
    data_schema={
        "type": "object",
        "properties": {
            "coupon": {"type": "string", "description": "The coupon's code."},
            "customer_code": {"type": "string"},
            "discount": {**MONEY_SCHEMA, "description": "The discount given, in the merchant's currency."},
            "reference": {"type": "string", "description": "Your reference of the redemption."},
        },
        "required": ["coupon", "customer_code", "discount", "reference"],
    },
    example={"coupon": "SUMMER10", "customer_code": "7K3M9P2QXA", "discount": "80.00", "reference": "till1-000124"},
)


def _points_awarded_payload(*, external_id, customer_code, points, balance) -> dict:
    return {"external_id": external_id, "customer_code": customer_code, "points": points, "balance": balance}


def points_awarded(*, merchant, tx_id, external_id, customer_code, points, balance):
    return webhook_emit(
        event=POINTS_AWARDED,
        event_id=f"{POINTS_AWARDED}:{tx_id}",
        owner=merchant,
        payload=_points_awarded_payload(
            external_id=external_id, customer_code=customer_code, points=points, balance=balance
        ),
    )


def points_awarded_many(*, merchant, earnings):
    """``earnings``: ``(tx_id, external_id, customer_code, points, balance)`` tuples."""
    return webhook_emit_many(
        event=POINTS_AWARDED,
        owner=merchant,
        items=[
            (
                f"{POINTS_AWARDED}:{tx_id}",
                _points_awarded_payload(
                    external_id=external_id, customer_code=customer_code, points=points, balance=balance
                ),
            )
            for tx_id, external_id, customer_code, points, balance in earnings
        ],
    )


def coupon_redeemed(*, merchant, redemption, coupon, customer_code, reference):
    return webhook_emit(
        event=COUPON_REDEEMED,
        event_id=f"{COUPON_REDEEMED}:{redemption.pk}",
        owner=merchant,
        payload={
            "coupon": coupon.code,
            "customer_code": customer_code,
            "discount": str(redemption.discount),
            "reference": reference,
        },
    )
