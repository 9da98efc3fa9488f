"""Examples of the partner API's schema: requests, answers and refusals."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse


def _error(code, message, details=None, status_codes=("400",)):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return OpenApiExample(code, value={"error": body}, response_only=True, status_codes=list(status_codes))


NOT_FOUND = _error("customer_not_found", "No customer has this card or code.", {"result": "unknown"}, ("404",))
CARD_EXPIRED = _error("card_code_expired", "This card code has expired; ask the customer to refresh the card.")
CARD_INVALID = _error("card_code_invalid", "This card code is not valid.")
CARD_STATIC = _error(
    "static_code_needs_manual_entry",
    "A bare customer code is accepted only when typed by hand at the till (send entry=manual); scan the rotating "
    "code on the customer's card.",
)
CARD_ERRORS = [CARD_EXPIRED, CARD_INVALID, CARD_STATIC]
CARD_400 = OpenApiResponse(
    description="Card code refused: `card_code_expired`, `card_code_invalid`, `static_code_needs_manual_entry`"
)
ROTATING = "7K3M9P2QXA-482913"
MANUAL = {"customer_code": "7K3M9P2QXA", "entry": "manual"}
NO_POINTS = _error(
    "not_enough_points", "You do not have that many loyalty points.", {"available": 40, "requested": 100}
)
CONFLICT = _error(
    "external_id_conflict",
    "A different transaction was already recorded with this external id.",
    {"external_id": "till1-000123"},
    ("409",),
)
VALIDATION = _error(
    "validation_error",
    "A valid number is required.",
    {"amount": [{"code": "invalid", "message": "A valid number is required."}]},
)
COUPON_BAD = _error("coupon_not_valid", "This coupon has expired.", {"reason": "expired"})
TX_EXAMPLE = {
    "external_id": "till1-000123",
    "customer_code": ROTATING,
    "amount": "1250.00",
    "occurred_at": "2025-06-01T12:30:00+06:00",
    "lines": [
        {"sku": "LATTE", "name": "Latte", "quantity": "2", "unit_price": "350.00"},
        {"sku": "CAKE", "name": "Honey cake", "quantity": "1", "unit_price": "550.00"},
    ],
    "points_to_redeem": 50,
    "coupon_code": "",
    "payment_method": "card",
    "till_id": "till-1",
}
TX_OUT = {
    "external_id": "till1-000123",
    "customer_code": "7K3M9P2QXA",
    "status": "completed",
    "payment_method": "card",
    "till_id": "till-1",
    "source": "pos",
    "currency": "KGS",
    "amount": "1250.00",
    "discount": "50.00",
    "amount_due": "1200.00",
    "refunded_amount": "0.00",
    "points_earned": 120,
    "points_redeemed": 50,
    "coupon_code": "",
    "occurred_at": "2025-06-01T12:30:00+06:00",
    "completed_at": "2025-06-01T12:30:02+06:00",
    "created_at": "2025-06-01T12:30:02+06:00",
    "lines": [{"sku": "LATTE", "name": "Latte", "quantity": "2.000", "unit_price": "350.00", "total": "700.00"}],
    "is_test": False,
}
BALANCE_OUT = {
    "customer_code": "7K3M9P2QXA",
    "name": "Aida",
    "account": "coalition",
    "balance": 1240,
    "points_value": "1240.00",
    "currency": "KGS",
    "tier": {
        "code": "friend",
        "name": "Friend",
        "min_points": 1000,
        "multiplier": "1.50",
        "discount_percent": "5.00",
        "colour": "#FFD700",
    },
}
