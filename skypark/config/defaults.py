"""The settings the platform knows, with their defaults (from the Sky Park seed's
``system_config``). ``seed_system_settings`` writes any that are missing; staff edit the
values in the admin afterwards."""

DEFAULTS = [
    # key, value, data_type, category, is_public, description, validation_rules
    ("pricing.under_3", 590, "number", "pricing", True, "Price for children under 3 years old (KGS)", {"min": 0}),
    ("pricing.over_3", 790, "number", "pricing", True, "Price for children 3+ years old (KGS)", {"min": 0}),
    ("loyalty.points_per_som", 0.1, "number", "loyalty", False, "Loyalty points earned per som spent", {"min": 0}),
    (
        "loyalty.expiry_months",
        12,
        "number",
        "loyalty",
        False,
        "Months until loyalty points expire",
        {"min": 1, "integer": True},
    ),
    (
        "capacity.warning_threshold",
        0.8,
        "number",
        "capacity",
        False,
        "Threshold for capacity warnings (80%)",
        {"min": 0, "max": 1},
    ),
    (
        "qr.expiry_hours",
        24,
        "number",
        "qr",
        False,
        "Hours until QR code expires after creation",
        {"min": 1, "integer": True},
    ),
    (
        "checkout.payment_timeout_minutes",
        20,
        "number",
        "checkout",
        False,
        "Minutes an unpaid order holds its places before it expires",
        {"min": 1, "integer": True},
    ),
]
