"""The partner API's analytics: the merchant's own RFM distribution, segment sizes and
win-win matrix rows. A partner only ever reaches its own merchant's figures: the scope is
the key's merchant, never an input. Money is a decimal string with its currency."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import PartnerApiMixin
from skypark.core.api.documented_errors import InvalidInput

from .. import selectors
from ..routers import replica_report

TAGS = ["partner: analytics"]


class DayInput(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Snapshot on or before this day (default: latest).")


class RangeInput(serializers.Serializer):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        until = attrs.get("until") or timezone.localdate()
        since = attrs.get("since") or until - timedelta(days=29)
        if since > until:
            raise serializers.ValidationError({"since": "must not be after until"})
        if (until - since).days > 366:
            raise serializers.ValidationError({"since": "at most 366 days"})
        return {"since": since, "until": until}


class CellOutput(serializers.Serializer):
    currency = serializers.CharField()
    r_score = serializers.IntegerField()
    f_score = serializers.IntegerField()
    customers = serializers.IntegerField()


class SegmentOutput(serializers.Serializer):
    currency = serializers.CharField()
    segment = serializers.CharField(source="rfm_segment")
    customers = serializers.IntegerField()
    monetary = serializers.DecimalField(max_digits=20, decimal_places=2)


class RfmOutput(serializers.Serializer):
    snapshot_date = serializers.DateField(allow_null=True)
    distribution = CellOutput(many=True)
    segments = SegmentOutput(many=True)


class SegmentsOutput(serializers.Serializer):
    snapshot_date = serializers.DateField(allow_null=True)
    segments = SegmentOutput(many=True)


class MatrixRowOutput(serializers.Serializer):
    source_merchant_id = serializers.IntegerField()
    target_merchant_id = serializers.IntegerField()
    currency = serializers.CharField()
    triggers = serializers.IntegerField()
    conversions = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=20, decimal_places=2)
    conversion_rate = serializers.FloatField()


class MatrixOutput(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    rows = MatrixRowOutput(many=True)


NO_TEST_DATA = " Analytics holds no test data: a test key (`sk_test_`) gets an empty answer."


def _snapshot(view, request):
    data = DayInput(data=request.query_params)
    data.is_valid(raise_exception=True)
    if view.is_test:
        return None
    return selectors.rfm_latest_date(scope=view.merchant.pk, on_or_before=data.validated_data.get("date"))


class PartnerRfmApi(PartnerApiMixin, APIView):
    # A query parameter that does not parse (skypark.core.api.documented_errors).
    api_errors = (InvalidInput,)

    @extend_schema(
        tags=TAGS,
        summary="The merchant's RFM distribution",
        description="The R × F grid and the segment sizes of the merchant's own customers, per currency, from the "
        "latest daily snapshot on or before `date`." + NO_TEST_DATA,
        parameters=[DayInput],
        responses={200: RfmOutput},
    )
    @replica_report
    def get(self, request):
        day = _snapshot(self, request)
        scope = self.merchant.pk
        body = {
            "snapshot_date": day,
            "distribution": selectors.rfm_distribution(scope=scope, day=day) if day else [],
            "segments": selectors.rfm_segment_sizes(scope=scope, day=day) if day else [],
        }
        return Response(RfmOutput(body).data)


class PartnerSegmentsApi(PartnerApiMixin, APIView):
    # A query parameter that does not parse (skypark.core.api.documented_errors).
    api_errors = (InvalidInput,)

    @extend_schema(
        tags=TAGS,
        summary="The merchant's segment sizes",
        description="Customers and their spend per RFM segment and currency (latest snapshot on or before `date`)."
        + NO_TEST_DATA,
        parameters=[DayInput],
        responses={200: SegmentsOutput},
    )
    @replica_report
    def get(self, request):
        day = _snapshot(self, request)
        segments = selectors.rfm_segment_sizes(scope=self.merchant.pk, day=day) if day else []
        return Response(SegmentsOutput({"snapshot_date": day, "segments": segments}).data)


class PartnerMatrixApi(PartnerApiMixin, APIView):
    # A query parameter that does not parse (skypark.core.api.documented_errors).
    api_errors = (InvalidInput,)

    @extend_schema(
        tags=TAGS,
        summary="The merchant's win-win matrix rows",
        description="Cross-promotion rows in which the merchant is the source or the target: triggers, "
        "conversions, the target's revenue (per currency) and the conversion rate, over `since`–`until` "
        "(default: the last 30 days; at most 366)." + NO_TEST_DATA,
        parameters=[RangeInput],
        responses={200: MatrixOutput},
    )
    @replica_report
    def get(self, request):
        data = RangeInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        since, until = data.validated_data["since"], data.validated_data["until"]
        rows = [] if self.is_test else selectors.matrix_rows(since=since, until=until, merchant_ids=[self.merchant.pk])
        return Response(MatrixOutput({"since": since, "until": until, "rows": rows}).data)
