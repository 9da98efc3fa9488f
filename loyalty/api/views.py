"""Partner API (per-merchant API key) and the customer's loyalty API. Thin: parse, call
one service or selector, render. A partner only ever reaches its own merchant's rows:
every query below is filtered by ``self.merchant`` (from the key), never by input."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import (
    CouponRateThrottle,
    IsCustomer,
    PartnerApiMixin,
    PartnerRateThrottle,
    PlanApiCallsThrottle,
)
from skypark.core.api.documented_errors import InvalidInput

from .. import errors, selectors, services
from ..models import Coupon, ImportBatch, LedgerEntry, PosTransaction, ScanLog
from . import serializers as s
from .examples import (
    BALANCE_OUT,
    CARD_400,
    CARD_ERRORS,
    COUPON_BAD,
    MANUAL,
    NO_POINTS,
    NOT_FOUND,
    ROTATING,
    _error,
)
from .sync import PartnerImportListApi

PARTNER = ["partner"]
ME = ["loyalty"]

# The refusals each operation documents (skypark.core.api.documented_errors); a view
# answering a code it does not list fails the test suite.
CARD = (errors.CardCodeExpired, errors.CardCodeInvalid, errors.StaticCodeNeedsManualEntry, errors.CustomerNotFound)
COUPON = (errors.CouponNotFound, errors.CouponNotValid, errors.CouponExhausted, errors.CouponLimitPerCustomer)
POINTS = (errors.NotEnoughPoints, errors.InvalidPoints)


class PartnerApi(PartnerApiMixin):
    # Base of the partner endpoints: the API key is read with its merchant's loyalty
    # programme (or that it has none), which nearly every call works with
    # (``program_of``). (A comment, not a docstring: the API schema would show it as the
    # description of every endpoint that has none of its own.)
    merchant_related = ("loyalty_program",)


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _card_customer(request, merchant, code, entry, action):
    return services.card_customer(
        merchant=merchant,
        test=request.auth.is_test,
        code=code,
        entry=entry,
        action=action,
        ip_address=_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _transaction(merchant, external_id, test) -> PosTransaction:
    try:
        return selectors.transaction_get(merchant=merchant, external_id=external_id, test=test)
    except PosTransaction.DoesNotExist:
        raise errors.TransactionNotFound()


@extend_schema(
    tags=PARTNER,
    summary="Find a customer by card",
    description=(
        "Looks up the customer behind a card code and returns the balance this merchant works with. The card shows a "
        "rotating code (a new one every minute, accepted for a few minutes): send the scanned QR payload or the code "
        "typed from under it. The bare customer code is accepted only with `entry=manual` (typed by your staff); "
        "those entries are counted by the fraud rules. Every lookup is logged (merchant, customer, kind of code, "
        "entry, result, IP, user agent), refused ones too; bursts across merchants are flagged for review."
    ),
    request=s.LookupInput,
    responses={
        200: s.CustomerBalanceOutput,
        400: CARD_400,
        404: OpenApiResponse(description="No customer has this code (manual entry)"),
    },
    examples=[
        OpenApiExample(
            "Scanned card", value={"payload": "card.7K3M9P2QXA-482913.1KX9Z2Q.8H3K2M9P.5W3…"}, request_only=True
        ),
        OpenApiExample("Rotating code typed", value={"payload": ROTATING}, request_only=True),
        OpenApiExample(
            "Static code typed by hand", value={"payload": "7K3M9P2QXA", "entry": "manual"}, request_only=True
        ),
        OpenApiExample("Found", value=BALANCE_OUT, response_only=True),
        *CARD_ERRORS,
        NOT_FOUND,
    ],
)
class PartnerCustomerLookupApi(PartnerApi, APIView):
    api_errors = CARD

    def post(self, request):
        data = s.LookupInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = _card_customer(request, self.merchant, values["payload"], values["entry"], ScanLog.Action.LOOKUP)
        return Response(
            s.CustomerBalanceOutput(selectors.partner_balance(customer=customer, merchant=self.merchant)).data
        )


@extend_schema(
    tags=PARTNER,
    summary="A customer's balance and tier",
    description=(
        "A lookup by card code in the path (the rotating code, or the bare customer code with `?entry=manual`); "
        "logged like `customers/lookup/`."
    ),
    parameters=[
        OpenApiParameter(
            "entry", str, OpenApiParameter.QUERY, required=False, enum=["scan", "manual"], description=s.ENTRY_HELP
        )
    ],
    responses={200: s.CustomerBalanceOutput, 400: CARD_400, 404: OpenApiResponse(description="No such customer")},
    examples=[OpenApiExample("Balance", value=BALANCE_OUT, response_only=True), *CARD_ERRORS, NOT_FOUND],
)
class PartnerCustomerBalanceApi(PartnerApi, APIView):
    api_errors = (*CARD, InvalidInput)

    def get(self, request, customer_code):
        data = s.EntryInput(data={"entry": request.query_params.get("entry", "scan")})
        data.is_valid(raise_exception=True)
        customer = _card_customer(
            request, self.merchant, customer_code, data.validated_data["entry"], ScanLog.Action.LOOKUP
        )
        return Response(
            s.CustomerBalanceOutput(selectors.partner_balance(customer=customer, merchant=self.merchant)).data
        )


@extend_schema(
    tags=PARTNER,
    summary="Spend points",
    description="Spends points from the balance this merchant works with, first-expiring-first. Idempotent per `reference`.",
    request=s.RedeemPointsInput,
    responses={200: s.RedeemPointsOutput, 400: OpenApiResponse(description="Not enough points; card code refused")},
    examples=[
        OpenApiExample(
            "Spend 100", value={"customer_code": ROTATING, "points": 100, "reference": "gift-77"}, request_only=True
        ),
        OpenApiExample(
            "Spend 100, static code typed by hand",
            value={**MANUAL, "points": 100, "reference": "gift-78"},
            request_only=True,
        ),
        OpenApiExample(
            "Spent",
            value={"points": 100, "value": "100.00", "currency": "KGS", "balance": 1140, "reference": "gift-77"},
            response_only=True,
        ),
        NO_POINTS,
        *CARD_ERRORS,
    ],
)
class PartnerPointsRedeemApi(PartnerApi, APIView):
    api_errors = (*CARD, *POINTS)

    def post(self, request):
        data = s.RedeemPointsInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = _card_customer(
            request, self.merchant, values["customer_code"], values["entry"], ScanLog.Action.POINTS_REDEEM
        )
        entry, value = services.pos_points_redeem(
            merchant=self.merchant,
            customer=customer,
            points=values["points"],
            reference=values["reference"],
            amount=values["amount"],
            test=self.is_test,
        )
        body = {
            "points": -entry.points,
            "value": value,
            "balance": entry.balance_after,
            "reference": values["reference"],
            "currency": self.merchant.currency,
        }
        return Response(s.RedeemPointsOutput(body).data)


@extend_schema(
    tags=PARTNER,
    summary="Check a coupon",
    description="Whether the coupon can be used by this customer here now, and the discount on `amount`. Writes nothing.",
    request=s.CouponInput,
    responses={
        200: s.CouponCheckOutput,
        400: OpenApiResponse(description="Not valid here/now"),
        404: OpenApiResponse(description="Unknown code"),
    },
    examples=[
        OpenApiExample(
            "Check", value={"code": "SUMMER10", "customer_code": ROTATING, "amount": "800.00"}, request_only=True
        ),
        COUPON_BAD,
        *CARD_ERRORS,
    ],
)
class PartnerCouponValidateApi(PartnerApi, APIView):
    api_errors = (*CARD, *COUPON)

    throttle_classes = [PartnerRateThrottle, PlanApiCallsThrottle, CouponRateThrottle]

    def post(self, request):
        data = s.CouponInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = _card_customer(
            request, self.merchant, values["customer_code"], values["entry"], ScanLog.Action.COUPON_VALIDATE
        )
        coupon, discount = services.coupon_validate(
            code=values["code"], customer=customer, merchant=self.merchant, amount=values["amount"], test=self.is_test
        )
        return Response(
            s.CouponCheckOutput(
                {"valid": True, "coupon": coupon, "discount": discount, "currency": self.merchant.currency}
            ).data
        )


@extend_schema(
    tags=PARTNER,
    summary="Redeem a coupon",
    description="Uses the coupon once (limits per coupon and per customer hold under concurrency). A repeated `reference` returns the first redemption.",
    request=s.CouponRedeemInput,
    responses={
        200: s.CouponCheckOutput,
        400: OpenApiResponse(description="Not valid here/now"),
        409: OpenApiResponse(description="Used up, or per-customer limit reached"),
    },
    examples=[
        OpenApiExample(
            "Redeem",
            value={"code": "SUMMER10", "customer_code": ROTATING, "amount": "800.00", "reference": "till1-000124"},
            request_only=True,
        ),
        _error("coupon_exhausted", "This coupon has been used up.", status_codes=("409",)),
        COUPON_BAD,
        *CARD_ERRORS,
    ],
)
class PartnerCouponRedeemApi(PartnerApi, APIView):
    api_errors = (*CARD, *COUPON)

    throttle_classes = [PartnerRateThrottle, PlanApiCallsThrottle, CouponRateThrottle]

    def post(self, request):
        data = s.CouponRedeemInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = _card_customer(
            request, self.merchant, values["customer_code"], values["entry"], ScanLog.Action.COUPON_REDEEM
        )
        redemption = services.coupon_redeem(
            code=values["code"],
            customer=customer,
            merchant=self.merchant,
            amount=values["amount"],
            reference=values["reference"],
            test=self.is_test,
        )
        return Response(
            s.CouponCheckOutput(
                {
                    "valid": True,
                    "coupon": redemption.coupon,
                    "discount": redemption.discount,
                    "currency": self.merchant.currency,
                }
            ).data
        )


@extend_schema_view(
    post=extend_schema(
        tags=PARTNER,
        summary="Import a batch from the CRM",
        description=(
            "Queues an import of past transactions (`external_id`, `customer_code` or `phone`, `amount`, optional "
            "`occurred_at` and `lines`). Each row is imported all-or-nothing and idempotently by `external_id`; rows "
            "that fail are listed in `errors` with their index. Poll the batch for progress."
        ),
        request=s.ImportInput,
        responses={202: s.ImportOutput, 400: OpenApiResponse(description="Not a list of rows")},
        examples=[
            OpenApiExample(
                "Two rows",
                value={
                    "rows": [
                        {
                            "external_id": "crm-1",
                            "customer_code": "7K3M9P2QXA",
                            "amount": "500.00",
                            "occurred_at": "2025-05-01T10:00:00+06:00",
                        },
                        {"external_id": "crm-2", "phone": "+996555123456", "amount": "120.00"},
                    ]
                },
                request_only=True,
            )
        ],
    )
)
class PartnerImportCreateApi(PartnerImportListApi):
    api_errors = ()

    def post(self, request):
        data = s.ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.import_batch_create(
            merchant=self.merchant, rows=data.validated_data["rows"], test=self.is_test
        )
        return Response(s.ImportOutput(batch).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=PARTNER,
    summary="An import's progress and row report",
    responses={200: s.ImportOutput, 404: OpenApiResponse(description="Not this merchant's import")},
    examples=[
        OpenApiExample(
            "Finished with one bad row",
            value={
                "id": 7,
                "status": "done",
                "total_rows": 2,
                "processed_rows": 2,
                "progress_percent": 100,
                "created_count": 1,
                "duplicate_count": 0,
                "error_count": 1,
                "errors": [
                    {"row": 1, "code": "customer_not_found", "message": "No customer with this customer_code or phone."}
                ],
                "created_at": "2025-06-01T10:00:00+06:00",
                "finished_at": "2025-06-01T10:00:03+06:00",
                "is_test": False,
            },
            response_only=True,
        )
    ],
)
class PartnerImportDetailApi(PartnerApi, APIView):
    api_errors = (errors.ImportNotFound,)

    def get(self, request, pk):
        batch = ImportBatch.objects.filter(merchant=self.merchant, is_test=self.is_test, pk=pk).first()
        if batch is None:
            raise errors.ImportNotFound()
        return Response(s.ImportOutput(batch).data)


@extend_schema(
    tags=PARTNER,
    summary="Remove all test data",
    description=(
        "Test keys only (`sk_test_`). Removes every transaction, coupon redemption and import this merchant's test "
        "keys recorded, and answers how many of each. Live data is never touched; a live key is refused with "
        "`test_key_required` (403)."
    ),
    request=None,
    responses={
        200: s.TestDataRemovedOutput,
        403: OpenApiResponse(description="Called with a live key (`test_key_required`)"),
    },
    examples=[
        OpenApiExample(
            "Removed", value={"transactions": 12, "coupon_redemptions": 2, "imports": 1}, response_only=True
        ),
        _error("test_key_required", "Only a test API key (sk_test_…) can do this.", status_codes=("403",)),
    ],
)
class PartnerTestDataApi(PartnerApi, APIView):
    api_errors = (errors.TestKeyRequired,)

    def delete(self, request):
        if not self.is_test:
            raise errors.TestKeyRequired()
        removed = services.test_data_delete(merchant=self.merchant)
        return Response(s.TestDataRemovedOutput(removed).data)


# --- the customer's side ----------------------------------------------------------------


@extend_schema(
    tags=ME,
    summary="My loyalty card",
    description="Balance, tier, progress to the next tier, the signed payload of the personal QR card, referral code and merchant program balances.",
    responses={200: s.SummaryOutput},
)
class MyLoyaltyApi(APIView):
    permission_classes = [IsCustomer]

    def get(self, request):
        summary = selectors.loyalty_summary(customer=request.user)
        card = services.card_code_for(request.user)
        body = {
            **summary.__dict__,
            "card_payload": card.payload,
            "card_code": card.typed,
            "card_code_valid_until": card.valid_until,
            "card_code_refresh_at": card.refresh_at,
            "spendable": services.spendable_points(request.user),
            "referral_code": services.referral_code_get(customer=request.user).code,
        }
        return Response(s.SummaryOutput(body).data)


@extend_schema(tags=ME, summary="My points history", description="Every movement on my balances, newest first.")
class MyHistoryApi(generics.ListAPIView):
    permission_classes = [IsCustomer]
    serializer_class = s.EntryOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LedgerEntry.objects.none()
        return selectors.entry_list(customer=self.request.user)


@extend_schema(tags=ME, summary="My coupons", description="My personal coupons and public coupons valid now.")
class MyCouponsApi(generics.ListAPIView):
    permission_classes = [IsCustomer]
    serializer_class = s.CouponOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Coupon.objects.none()
        return selectors.coupon_list_for(customer=self.request.user)


@extend_schema(
    tags=ME,
    summary="Use a friend's referral code",
    request=s.ReferralInput,
    responses={204: None, 400: OpenApiResponse(description="Own code, already referred, or not a new customer")},
    examples=[_error("referral_not_allowed", "This referral code cannot be used.", {"field": "code"})],
)
class MyReferralApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request):
        data = s.ReferralInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.referral_register(referred=request.user, code=data.validated_data["code"])
        return Response(status=status.HTTP_204_NO_CONTENT)
