"""The cash desk's references to users are the staff who work it."""

from skypark.privacy.registry import not_personal

not_personal(
    "cashdesk.Shift.cashier",
    "cashdesk.Movement.created_by",
    reason="the cashier who opened the shift or recorded the movement",
)
