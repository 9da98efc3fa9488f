"""The partner lists a CRM keeps in step with: transactions, imports and the customers seen
at the merchant. Each is read with a cursor (``SyncCursorPagination``) and filtered by
``updated_since``, so a client stores the time it started reading and asks only for what
changed after it next time."""

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Max, Min
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from skypark.accounts.api.auth import PartnerApiMixin
from skypark.core.api.deprecation import PAGE_NUMBERS_ON_SYNC_LISTS
from skypark.core.api.money import MoneyFilter
from skypark.core.api.pagination import SyncCursorPagination

from ..models import ImportBatch, PosTransaction
from . import serializers as s

UPDATED_SINCE_HELP = (
    "Only what was created or changed at or after this time (ISO 8601). Store the time you started a full "
    "read and pass it next time."
)
PAGE_PARAMETER = OpenApiParameter(
    "page",
    int,
    OpenApiParameter.QUERY,
    required=False,
    deprecated=True,
    description=PAGE_NUMBERS_ON_SYNC_LISTS.describe(),
)


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """Compares in UTC: PostgreSQL refuses a literal with an offset beyond ±15:59, which
    ISO 8601 allows (a 500 for ``?occurred_before=...-17:14``)."""

    def filter(self, qs, value):
        return super().filter(qs, value.astimezone(datetime.UTC) if value else value)


def updated_since_filter(field_name="updated_at"):
    return UtcIsoDateTimeFilter(field_name=field_name, lookup_expr="gte", help_text=UPDATED_SINCE_HELP)


class TransactionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PosTransaction.Status.choices)
    source = django_filters.ChoiceFilter(choices=PosTransaction.Source.choices)
    payment_method = django_filters.ChoiceFilter(choices=PosTransaction.PaymentMethod.choices)
    till_id = django_filters.CharFilter(max_length=64)
    customer_code = django_filters.CharFilter(field_name="customer__customer_code")
    external_id = django_filters.CharFilter()
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    min_amount = MoneyFilter(field_name="amount", lookup_expr="gte")
    max_amount = MoneyFilter(field_name="amount", lookup_expr="lte")
    updated_since = updated_since_filter()

    class Meta:
        model = PosTransaction
        fields = []


class ImportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ImportBatch.Status.choices)
    updated_since = updated_since_filter()

    class Meta:
        model = ImportBatch
        fields = []


class CustomerFilter(django_filters.FilterSet):
    updated_since = updated_since_filter("activity_at")

    class Meta:
        model = get_user_model()
        fields = []


class MerchantCustomerOutput(serializers.Serializer):
    customer_code = serializers.CharField()
    name = serializers.CharField(source="get_short_name")
    first_transaction_at = serializers.DateTimeField(help_text="The first sale recorded here.")
    last_transaction_at = serializers.DateTimeField(help_text="The latest sale recorded here.")
    updated_at = serializers.DateTimeField(
        source="activity_at", help_text="When a transaction of this customer here last changed."
    )


class SyncListApi(PartnerApiMixin, generics.ListAPIView):
    pagination_class = SyncCursorPagination
    merchant_related = ("loyalty_program",)


@extend_schema(
    tags=["partner"],
    summary="The imports of this merchant",
    description="Newest first, read with a cursor; `updated_since` gives the batches that moved on since then.",
    parameters=[PAGE_PARAMETER],
)
class PartnerImportListApi(SyncListApi):
    serializer_class = s.ImportOutput
    filterset_class = ImportFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportBatch.objects.none()
        return ImportBatch.objects.filter(merchant=self.merchant, is_test=self.is_test)


@extend_schema(
    tags=["partner"],
    summary="Customers who bought here",
    description=(
        "Every customer with a transaction at this merchant, newest customer first, read with a cursor; "
        "`updated_since` gives those whose transactions here changed since then. A test key lists the customers "
        "of its test transactions, a live key those of the live ones."
    ),
    parameters=[PAGE_PARAMETER],
)
class PartnerCustomerListApi(SyncListApi):
    serializer_class = MerchantCustomerOutput
    filterset_class = CustomerFilter
    api_errors = ()

    def get_queryset(self):
        users = get_user_model().objects
        if getattr(self, "swagger_fake_view", False):
            return users.none()
        # The filter before the annotations: they then count only this mode's transactions.
        return users.filter(pos_transactions__merchant=self.merchant, pos_transactions__is_test=self.is_test).annotate(
            first_transaction_at=Min("pos_transactions__occurred_at"),
            last_transaction_at=Max("pos_transactions__occurred_at"),
            activity_at=Max("pos_transactions__updated_at"),
        )
