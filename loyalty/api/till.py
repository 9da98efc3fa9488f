"""The till over the partner API: record a sale, read the merchant's sales, refund and void
them. Thin, as every partner view: parse, call one service, render; every query is
filtered by the key's merchant."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.core.api.pagination import SyncCursorPagination

from .. import errors, selectors, services
from ..models import PosTransaction, ScanLog
from . import serializers as s
from .examples import CARD_ERRORS, CONFLICT, MANUAL, NO_POINTS, TX_EXAMPLE, TX_OUT, VALIDATION, _error
from .sync import PAGE_PARAMETER, TransactionFilter
from .views import CARD, COUPON, PARTNER, POINTS, PartnerApi, _card_customer, _transaction


@extend_schema(tags=PARTNER)
class PartnerTransactionListCreateApi(PartnerApi, generics.ListAPIView):
    pagination_class = SyncCursorPagination
    api_errors = {
        "POST": (*CARD, *POINTS, *COUPON, errors.TransactionConflict, errors.IdempotencyKeyReused),
    }

    serializer_class = s.TransactionOutput
    filterset_class = TransactionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PosTransaction.objects.none()
        return selectors.transaction_list(merchant=self.merchant, test=self.is_test)

    @extend_schema(
        summary="The merchant's transactions",
        description=(
            "Newest first; only this merchant's own transactions. Read page by page by following `next` (a "
            "`cursor`): rows recorded while you read never shift one into a page twice. `updated_since` gives "
            "what was recorded, refunded or voided since then."
        ),
        parameters=[PAGE_PARAMETER],
        request=None,
        responses={200: s.TransactionOutput},
        examples=[OpenApiExample("Page", value=TX_OUT, response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a purchase",
        description=(
            "Records a sale with its lines; optionally spends points (`points_to_redeem`) and a coupon, then earns "
            "points on what is left to pay. `status=pending` records a sale whose payment is under way (points move "
            "on `complete/`, nothing on `cancel/`); `status=failed` keeps a declined sale for the record. `payment_method` "
            "is stored with the sale; `device_id` and `card_fingerprint` (optional) only as keyed hashes for the fraud "
            "rules, which may hold the points a suspicious sale earned until the network reviews it. Idempotent: a retry with the same `external_id` (unique per merchant) or "
            "the same `Idempotency-Key` header returns the first result with **200** and changes nothing; the first "
            "call answers **201**. Reusing an id for a different customer or amount is a 409. `customer_code` is the "
            "card code (rotating, or the static code with `entry=manual`); every sale writes the scan log."
        ),
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        request=s.TransactionInput,
        responses={
            201: s.TransactionOutput,
            200: OpenApiResponse(s.TransactionOutput, description="A retry: the first result, unchanged"),
            400: OpenApiResponse(
                description="Bad input, not enough points, invalid coupon, card code refused (`card_code_expired`, "
                "`card_code_invalid`, `static_code_needs_manual_entry`)"
            ),
            404: OpenApiResponse(description="Unknown customer or coupon"),
            409: OpenApiResponse(
                description="external_id reused for another sale (`external_id_conflict`); Idempotency-Key reused "
                "with a different body (`idempotency_key_reused`); coupon used up"
            ),
        },
        examples=[
            OpenApiExample("Sale with points", value=TX_EXAMPLE, request_only=True),
            OpenApiExample(
                "Sale, static code typed by hand",
                value={**TX_EXAMPLE, **MANUAL, "points_to_redeem": 0},
                request_only=True,
            ),
            OpenApiExample("Recorded", value=TX_OUT, response_only=True, status_codes=["201", "200"]),
            CONFLICT,
            NO_POINTS,
            VALIDATION,
            *CARD_ERRORS,
        ],
    )
    def post(self, request):
        data = s.TransactionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = _card_customer(
            request, self.merchant, values.pop("customer_code"), values.pop("entry"), ScanLog.Action.SALE
        )
        tx, created = services.pos_transaction_record(
            merchant=self.merchant,
            customer=customer,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:100],
            actor=f"merchant:{self.merchant.code}",
            test=self.is_test,
            **values,
        )
        # The service hands back the transaction with its customer and lines.
        return Response(s.transaction_data(tx), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(
    tags=PARTNER,
    summary="One transaction",
    responses={200: s.TransactionOutput, 404: OpenApiResponse(description="Not this merchant's transaction")},
    examples=[OpenApiExample("Transaction", value=TX_OUT, response_only=True)],
)
class PartnerTransactionDetailApi(PartnerApi, APIView):
    api_errors = (errors.TransactionNotFound,)

    def get(self, request, external_id):
        return Response(s.transaction_data(_transaction(self.merchant, external_id, self.is_test)))


@extend_schema(
    tags=PARTNER,
    summary="Refund a transaction",
    description="Refunds `amount` (all that is left when omitted). The matching share of earned points is taken back (never below zero); a full refund also gives back the points spent.",
    request=s.RefundInput,
    responses={
        200: s.TransactionOutput,
        400: OpenApiResponse(description="Too large"),
        409: OpenApiResponse(description="Already refunded or voided"),
    },
    examples=[
        OpenApiExample("Half", value={"amount": "600.00", "reason": "returned one item"}, request_only=True),
        _error(
            "refund_exceeds_refundable",
            "The refund is larger than what can still be refunded.",
            {"refundable": "650.00"},
        ),
    ],
)
class PartnerTransactionRefundApi(PartnerApi, APIView):
    api_errors = (errors.TransactionNotFound, errors.TransactionNotRefundable, errors.RefundTooLarge)

    def post(self, request, external_id):
        data = s.RefundInput(data=request.data)
        data.is_valid(raise_exception=True)
        tx = _transaction(self.merchant, external_id, self.is_test)
        services.pos_transaction_refund(
            pos_transaction=tx, amount=data.validated_data.get("amount"), reason=data.validated_data["reason"]
        )
        return Response(s.transaction_data(_transaction(self.merchant, external_id, self.is_test)))


@extend_schema(
    tags=PARTNER,
    summary="Void a transaction",
    description="Cancels a transaction entered by mistake: earned points are taken back, spent points given back.",
    request=s.VoidInput,
    responses={200: s.TransactionOutput, 409: OpenApiResponse(description="Already refunded or voided")},
    examples=[
        _error(
            "transaction_not_refundable",
            "This transaction cannot be refunded or voided any more.",
            {"status": "voided"},
            ("409",),
        )
    ],
)
class PartnerTransactionVoidApi(PartnerApi, APIView):
    api_errors = (errors.TransactionNotFound, errors.TransactionNotRefundable)

    def post(self, request, external_id):
        data = s.VoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        tx = _transaction(self.merchant, external_id, self.is_test)
        services.pos_transaction_void(pos_transaction=tx, reason=data.validated_data["reason"])
        return Response(s.transaction_data(_transaction(self.merchant, external_id, self.is_test)))


PENDING_409 = _error("transaction_not_pending", "This sale is no longer pending.", {"status": "cancelled"}, ("409",))


@extend_schema(
    tags=PARTNER,
    summary="Complete a pending sale",
    description=(
        "The payment of a sale recorded with `status=pending` went through: the points and coupon it asked for are "
        "spent now (refused as at recording — e.g. `not_enough_points` — and then the sale stays pending), points "
        "are earned on what is left to pay, and the customer's totals move. Idempotent: completing a completed sale "
        "answers it again with **200** and changes nothing. A cancelled or failed sale is a 409 "
        "`transaction_not_pending`."
    ),
    request=None,
    responses={
        200: s.TransactionOutput,
        400: OpenApiResponse(description="Not enough points, coupon refused"),
        404: OpenApiResponse(description="Not this merchant's transaction, unknown coupon"),
        409: OpenApiResponse(description="Cancelled or failed (`transaction_not_pending`), coupon used up"),
    },
    examples=[OpenApiExample("Completed", value=TX_OUT, response_only=True), PENDING_409, NO_POINTS],
)
class PartnerTransactionCompleteApi(PartnerApi, APIView):
    api_errors = (errors.TransactionNotFound, errors.TransactionNotPending, *POINTS, *COUPON)

    def post(self, request, external_id):
        tx = _transaction(self.merchant, external_id, self.is_test)
        services.pos_transaction_complete(pos_transaction=tx, actor=f"merchant:{self.merchant.code}")
        return Response(s.transaction_data(_transaction(self.merchant, external_id, self.is_test)))


@extend_schema(
    tags=PARTNER,
    summary="Cancel a pending sale",
    description=(
        "Ends a sale recorded with `status=pending` without it happening: `cancelled` (default) or `failed` (the "
        "payment did not go through). Nothing was spent or earned, so nothing moves. Idempotent: the same call again "
        "answers **200** unchanged. A completed sale is a 409 `transaction_not_pending` (refund or void it instead)."
    ),
    request=s.CancelInput,
    responses={200: s.TransactionOutput, 409: OpenApiResponse(description="Not pending any more")},
    examples=[
        OpenApiExample("Payment declined", value={"status": "failed", "reason": "card declined"}, request_only=True),
        PENDING_409,
    ],
)
class PartnerTransactionCancelApi(PartnerApi, APIView):
    api_errors = (errors.TransactionNotFound, errors.TransactionNotPending)

    def post(self, request, external_id):
        data = s.CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        tx = _transaction(self.merchant, external_id, self.is_test)
        services.pos_transaction_cancel(
            pos_transaction=tx,
            status=data.validated_data["status"],
            reason=data.validated_data["reason"],
            actor=f"merchant:{self.merchant.code}",
        )
        return Response(s.transaction_data(_transaction(self.merchant, external_id, self.is_test)))
