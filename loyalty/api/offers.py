"""Partner API of the offer constructor: compose, list, project, submit and accept
offers, and the till's quote of which offers a sale would get. A partner reaches only
offers it issued or that name it as the accepting partner."""

from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.core.api.documented_errors import InvalidInput

from ..models import ScanLog, Tier
from ..offers import services
from ..offers.errors import (
    OfferInvalid,
    OfferNeedsAcceptance,
    OfferNotEditable,
    OfferNotFound,
    OfferNotYours,
    OffersNeedLiveKey,
)
from ..offers.models import Offer
from ..offers.projection import offer_projection
from .examples import _error
from .views import CARD, PARTNER, PartnerApi, _card_customer


class TierCodeField(serializers.SlugRelatedField):
    def get_queryset(self):
        merchant = self.context["merchant"]
        return Tier.objects.filter(Q(merchant__isnull=True) | Q(merchant=merchant))


class OfferSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Offer._meta.get_field("partner").related_model.objects.all(),
        required=False,
        allow_null=True,
        help_text="The partner who accepts the offer's coupons or co-funds it; null for an offer of your own.",
    )
    issuer = serializers.CharField(source="merchant.code", read_only=True)
    tiers = TierCodeField(slug_field="code", many=True, required=False)
    categories = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    skus = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), required=False)

    class Meta:
        model = Offer
        fields = (
            "id",
            "issuer",
            "partner",
            "name",
            "description",
            "kind",
            "value",
            "coupon_kind",
            "item_name",
            "item_value",
            "coupon_valid_days",
            "currency",
            "at_till",
            "online",
            "min_spend",
            "categories",
            "skus",
            "weekdays",
            "hour_from",
            "hour_to",
            "tiers",
            "first_visit",
            "segment",
            "segment_own",
            "valid_from",
            "valid_until",
            "budget_amount",
            "budget_redemptions",
            "spent_amount",
            "redemptions",
            "per_customer_limit",
            "priority",
            "stackable",
            "issuer_share",
            "partner_share",
            "operator_share",
            "status",
            "submitted_at",
            "partner_accepted_at",
            "approved_at",
            "rejection_reason",
        )
        read_only_fields = (
            "currency",
            "spent_amount",
            "redemptions",
            "status",
            "submitted_at",
            "partner_accepted_at",
            "approved_at",
            "rejection_reason",
        )


class OfferProjectionSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    transactions = serializers.IntegerField()
    matching = serializers.IntegerField()
    applications = serializers.IntegerField()
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    points = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    issuer = serializers.DecimalField(max_digits=14, decimal_places=2)
    partner = serializers.DecimalField(max_digits=14, decimal_places=2)
    operator = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    capped = serializers.BooleanField()


class OfferQuoteLine(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0, required=False, default=1)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class OfferQuoteInput(serializers.Serializer):
    customer_code = serializers.CharField(max_length=200)
    entry = serializers.ChoiceField(choices=["scan", "manual"], default="scan")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    lines = OfferQuoteLine(many=True, required=False)


class OfferQuoteItem(serializers.Serializer):
    offer_id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    points = serializers.IntegerField()
    stackable = serializers.BooleanField()
    priority = serializers.IntegerField()


class OfferQuoteOutput(serializers.Serializer):
    offers = OfferQuoteItem(many=True)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    points = serializers.IntegerField()
    due = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()


OFFER_EXAMPLE = {
    "name": "Weekday lunch: 15% off",
    "kind": "percent",
    "value": "15.00",
    "min_spend": "500.00",
    "weekdays": [0, 1, 2, 3, 4],
    "hour_from": 12,
    "hour_to": 15,
    "tiers": ["friend", "vip"],
    "valid_from": "2026-12-01T00:00:00+06:00",
    "valid_until": "2027-01-01T00:00:00+06:00",
    "budget_amount": "50000.00",
    "per_customer_limit": 4,
    "priority": 10,
    "stackable": False,
}
INVALID = _error(
    "offer_invalid",
    "The offer is not valid.",
    {"fields": {"issuer_share": ["The shares of the issuer, the partner and the operator must add up to 100%."]}},
)
WRONG_STATUS = _error(
    "offer_wrong_status",
    "The offer cannot take this step in its current status.",
    {"status": "approved"},
    ("409",),
)
NOT_FOUND = _error("offer_not_found", "No such offer.", None, ("404",))
NOT_YOURS = _error(
    "offer_not_addressed_to_you", "This offer does not name your business as its partner.", None, ("404",)
)


def _offers_of(merchant, *, test=False):
    """A business's offers; a test key sees none (offers are live configuration)."""
    if test:
        return Offer.objects.none()
    return Offer.objects.filter(Q(merchant=merchant) | Q(partner=merchant)).select_related("merchant", "partner")


def _offer(merchant, pk, *, issued=True, test=False) -> Offer:
    if test:
        raise OfferNotFound()
    query = Offer.objects.filter(merchant=merchant) if issued else _offers_of(merchant)
    offer = query.filter(pk=pk).select_related("merchant", "partner").prefetch_related("tiers").first()
    if offer is None:
        raise OfferNotFound()
    return offer


@extend_schema(tags=PARTNER)
class PartnerOfferListCreateApi(PartnerApi, APIView):
    api_errors = {"POST": (OfferInvalid, InvalidInput, OffersNeedLiveKey), "GET": ()}

    @extend_schema(
        summary="List offers",
        description="The offers this business issued and those that name it as the accepting partner.",
        responses={200: OfferSerializer(many=True)},
    )
    def get(self, request):
        offers = _offers_of(self.merchant, test=self.is_test).prefetch_related("tiers").order_by("-id")[:200]
        return Response(OfferSerializer(offers, many=True, context={"merchant": self.merchant}).data)

    @extend_schema(
        summary="Compose an offer",
        description=(
            "A draft offer: what it gives (`bonus_points`, `multiplier`, `percent`, `fixed`, `free_item`, "
            "`cross_coupon` — a coupon for the `partner`), its conditions, validity, budget (money and/or "
            "applications), per-customer limit, priority, stacking and who pays (`issuer_share`, `partner_share`, "
            "`operator_share`, adding up to 100). See its projected cost at `offers/{id}/projection/`, then submit it."
        ),
        request=OfferSerializer,
        responses={201: OfferSerializer},
        examples=[OpenApiExample("Lunch offer", value=OFFER_EXAMPLE, request_only=True), INVALID],
    )
    def post(self, request):
        if self.is_test:
            raise OffersNeedLiveKey()
        data = OfferSerializer(data=request.data, context={"merchant": self.merchant})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        tiers = values.pop("tiers", [])
        offer = services.offer_create(
            merchant=self.merchant, tiers=tiers, actor=f"merchant:{self.merchant.code}", **values
        )
        return Response(
            OfferSerializer(offer, context={"merchant": self.merchant}).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    tags=PARTNER,
    summary="An offer's projected cost",
    description=(
        "The offer replayed over this business's last 90 days of till sales: how many would have matched, the "
        "discount and points given and what that would have cost, split between issuer, partner and operator. "
        "Budget caps and the per-customer limit are applied."
    ),
    responses={200: OfferProjectionSerializer},
    examples=[NOT_FOUND],
)
class PartnerOfferProjectionApi(PartnerApi, APIView):
    api_errors = (OfferNotFound,)

    def get(self, request, pk):
        offer = _offer(self.merchant, pk, test=self.is_test)
        return Response(OfferProjectionSerializer(offer_projection(offer=offer)).data)


@extend_schema(
    tags=PARTNER,
    summary="Submit an offer for approval",
    description="A draft (or rejected) offer goes to the coalition's staff for approval.",
    request=None,
    responses={200: OfferSerializer},
    examples=[WRONG_STATUS, NOT_FOUND],
)
class PartnerOfferSubmitApi(PartnerApi, APIView):
    api_errors = (OfferNotFound, OfferNotEditable)

    def post(self, request, pk):
        offer = services.offer_submit(
            offer=_offer(self.merchant, pk, test=self.is_test), actor=f"merchant:{self.merchant.code}"
        )
        return Response(OfferSerializer(offer, context={"merchant": self.merchant}).data)


@extend_schema(
    tags=PARTNER,
    summary="Accept an offer as its partner",
    description=(
        "The partner an offer names agrees to pay its share (`partner_share`) or to take its coupons. An offer "
        "another partner co-funds cannot be approved before this."
    ),
    request=None,
    responses={200: OfferSerializer},
    examples=[WRONG_STATUS, NOT_FOUND, NOT_YOURS],
)
class PartnerOfferAcceptApi(PartnerApi, APIView):
    api_errors = (OfferNotFound, OfferNotYours, OfferNotEditable, OfferNeedsAcceptance)

    def post(self, request, pk):
        offer = services.offer_accept(
            offer=_offer(self.merchant, pk, issued=False, test=self.is_test),
            partner=self.merchant,
            actor=f"merchant:{self.merchant.code}",
        )
        return Response(OfferSerializer(offer, context={"merchant": self.merchant}).data)


@extend_schema(
    tags=PARTNER,
    summary="Quote a sale's offers",
    description=(
        "Which live offers a sale would get now and what each gives, before the sale is recorded. Writes nothing "
        "(the card lookup is logged). The sale itself (`transactions/`) applies them again under the budget lock, "
        "so an offer whose budget ran out in between is not applied."
    ),
    request=OfferQuoteInput,
    responses={200: OfferQuoteOutput},
    examples=[
        OpenApiExample(
            "Quote",
            value={
                "customer_code": "7K3M9P2QXA-482913",
                "amount": "800.00",
                "lines": [{"sku": "LUNCH", "unit_price": "800.00"}],
            },
            request_only=True,
        )
    ],
)
class PartnerOfferQuoteApi(PartnerApi, APIView):
    api_errors = CARD

    def post(self, request):
        data = OfferQuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = _card_customer(
            request, self.merchant, values["customer_code"], values["entry"], ScanLog.Action.LOOKUP
        )
        effects = services.offers_quote(
            merchant=self.merchant, customer=customer, amount=values["amount"], lines=values.get("lines", [])
        )
        discount = sum((e.discount for e in effects), values["amount"] * 0)
        body = {
            "offers": [e.as_dict() for e in effects],
            "discount": discount,
            "points": sum(e.points for e in effects),
            "due": max(values["amount"] - discount, 0),
            "currency": self.merchant.currency,
        }
        return Response(OfferQuoteOutput(body).data)
