"""Money in the API is a decimal string (``"1250.00"``) beside its currency, in requests,
responses, query parameters and the schema alike: a float would round, and a generated
client would type it as one."""

from decimal import Decimal

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MONEY_PATTERN = r"^-?\d{0,10}(?:\.\d{0,2})?$"
MONEY_SCHEMA = {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "1250.00"}


def money_field(**kwargs) -> serializers.DecimalField:
    """A serializer field for an amount: at most 10 digits before the point and 2 after,
    rendered as a string whatever ``COERCE_DECIMAL_TO_STRING`` says."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True, **kwargs)


@extend_schema_field(MONEY_SCHEMA)
class MoneyFilter(django_filters.NumberFilter):
    """A query parameter holding an amount, documented as a decimal string."""


ZERO = Decimal("0.00")
