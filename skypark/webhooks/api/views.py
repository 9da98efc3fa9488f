"""The partner's webhook endpoints over the API: list, add, change, rotate the signing
secret, send a test event and read the delivery log — always of the key's own merchant
(another merchant's endpoint answers 404, as one that does not exist). As in the admin,
a signing secret is shown once: in the answer that made it (adding the endpoint or
rotating), never again; after a rotation the previous secret keeps signing alongside for
24 hours. URLs are checked by the same SSRF rules as every send
(``skypark.webhooks.transport``). Endpoints are live configuration: a test key lists none
and may not add one."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import PartnerApiMixin
from skypark.core.api.documented_errors import InvalidInput
from skypark.core.errors import Forbidden, NotFound

from .. import services
from ..models import WebhookDelivery, WebhookEndpoint
from . import serializers as s

TAGS = ["partner webhooks"]


class LiveKeyRequired(Forbidden):
    code = "live_key_required"
    default_message = _("Webhook endpoints are managed with a live API key (sk_live_…).")


def _error(code, message, status_code="400", details=None):
    body = {"code": code, "message": message, **({"details": details} if details else {})}
    return OpenApiExample(code, value={"error": body}, response_only=True, status_codes=[status_code])


NOT_FOUND = _error("not_found", "Not found.", "404")
UNSAFE_URL = _error(
    "validation_error",
    "The host 10.0.0.5 resolves to a private or reserved address; webhooks go only to public addresses.",
    details={
        "url": ["The host 10.0.0.5 resolves to a private or reserved address; webhooks go only to public addresses."]
    },
)
LIVE_ONLY = _error("live_key_required", "Webhook endpoints are managed with a live API key (sk_live_…).", "403")
ENDPOINT = {
    "id": 12,
    "url": "https://crm.partner.example/skypark",
    "events": ["points.awarded"],
    "is_active": True,
    "secret_hint": "whsec_…x9Q2",
    "secret_previous_until": None,
    "created_at": "2026-06-01T10:00:00+06:00",
}


class _EndpointMixin(PartnerApiMixin):
    def endpoints(self):
        if getattr(self, "swagger_fake_view", False) or self.is_test:
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.filter(merchant=self.merchant)

    def endpoint(self, pk) -> WebhookEndpoint:
        found = self.endpoints().select_related("merchant").filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found


class PartnerWebhookListCreateApi(_EndpointMixin, generics.ListAPIView):
    serializer_class = s.EndpointOutput
    api_errors = {"POST": (LiveKeyRequired,)}

    def get_queryset(self):
        return self.endpoints().order_by("pk")

    @extend_schema(tags=TAGS, summary="Your webhook endpoints")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Add a webhook endpoint",
        description=(
            "Adds an endpoint and answers its signing secret — the only time it is shown. The URL must be https "
            "(in production) and resolve only to public addresses; `events` must name events of the catalogue."
        ),
        request=s.EndpointCreateInput,
        responses={
            201: s.EndpointWithSecretOutput,
            400: OpenApiResponse(description="A bad URL (not https, private address) or an unknown event"),
            403: OpenApiResponse(description="Called with a test key (`live_key_required`)"),
        },
        examples=[
            OpenApiExample(
                "Points only",
                value={"url": "https://crm.partner.example/skypark", "events": ["points.awarded"]},
                request_only=True,
            ),
            OpenApiExample(
                "Added",
                value={**ENDPOINT, "secret": "whsec_3kq…full secret…x9Q2"},
                response_only=True,
                status_codes=["201"],
            ),
            UNSAFE_URL,
            LIVE_ONLY,
        ],
    )
    def post(self, request):
        if self.is_test:
            raise LiveKeyRequired()
        data = s.EndpointCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(
            merchant=self.merchant, actor=str(request.user), **data.validated_data
        )
        body = s.EndpointWithSecretOutput(endpoint).data
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)


class PartnerWebhookDetailApi(_EndpointMixin, APIView):
    api_errors = ()

    @extend_schema(
        tags=TAGS,
        summary="A webhook endpoint",
        responses={200: s.EndpointOutput, 404: OpenApiResponse(description="Not your endpoint")},
        examples=[OpenApiExample("Endpoint", value=ENDPOINT, response_only=True), NOT_FOUND],
    )
    def get(self, request, pk):
        return Response(s.EndpointOutput(self.endpoint(pk)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a webhook endpoint",
        description="Any of `url`, `events`, `is_active`; the URL is checked as when adding.",
        request=s.EndpointUpdateInput,
        responses={
            200: s.EndpointOutput,
            400: OpenApiResponse(description="A bad URL or event"),
            404: OpenApiResponse(description="Not your endpoint"),
        },
        examples=[
            OpenApiExample("Pause", value={"is_active": False}, request_only=True),
            OpenApiExample("Changed", value={**ENDPOINT, "is_active": False}, response_only=True),
            UNSAFE_URL,
            NOT_FOUND,
        ],
    )
    def patch(self, request, pk):
        endpoint = self.endpoint(pk)
        data = s.EndpointUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, actor=str(request.user), **data.validated_data)
        return Response(s.EndpointOutput(endpoint).data)


class PartnerWebhookRotateApi(_EndpointMixin, APIView):
    api_errors = ()

    @extend_schema(
        tags=TAGS,
        summary="Rotate the signing secret",
        description=(
            "Makes a new signing secret and answers it — the only time it is shown. The previous secret keeps "
            "signing (a second `v1=` in `X-Skypark-Signature`) until `secret_previous_until`, 24 hours, so you can "
            "switch without missing a delivery. The previous secret is not shown again."
        ),
        request=None,
        responses={200: s.EndpointWithSecretOutput, 404: OpenApiResponse(description="Not your endpoint")},
        examples=[
            OpenApiExample(
                "Rotated",
                value={
                    **ENDPOINT,
                    "secret": "whsec_new…full secret…7HkP",
                    "secret_previous_until": "2026-06-02T10:00:00+06:00",
                },
                response_only=True,
            ),
            NOT_FOUND,
        ],
    )
    def post(self, request, pk):
        endpoint = self.endpoint(pk)
        secret = services.endpoint_secret_rotate(endpoint=endpoint, actor=str(request.user))
        endpoint.refresh_from_db()
        return Response({**s.EndpointWithSecretOutput(endpoint).data, "secret": secret})


class PartnerWebhookTestApi(_EndpointMixin, APIView):
    api_errors = ()

    @extend_schema(
        tags=TAGS,
        summary="Send a test event",
        description=(
            "Queues a signed `webhook.test` event to this endpoint, whatever events it subscribes to, and answers "
            "the delivery; follow it in the delivery log. An inactive endpoint's test is logged as refused."
        ),
        request=None,
        responses={202: s.DeliveryOutput, 404: OpenApiResponse(description="Not your endpoint")},
        examples=[NOT_FOUND],
    )
    def post(self, request, pk):
        endpoint = self.endpoint(pk)
        delivery = services.endpoint_test_send(endpoint=endpoint, actor=str(request.user))
        delivery.refresh_from_db()
        return Response(s.DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)


class PartnerWebhookDeliveryListApi(_EndpointMixin, generics.ListAPIView):
    serializer_class = s.DeliveryOutput
    api_errors = (InvalidInput,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        endpoint = self.endpoint(self.kwargs["pk"])
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in WebhookDelivery.Status.values:
                raise serializers.ValidationError({"status": [_("Not a delivery status.")]})
            deliveries = deliveries.filter(status=wanted)
        return deliveries

    @extend_schema(
        tags=TAGS,
        summary="An endpoint's delivery log",
        description=(
            "Newest first: each event sent (or to be sent) to this endpoint, its attempts, the last HTTP status and "
            "error. What your server answered is never stored."
        ),
        parameters=[
            OpenApiParameter(
                "status", str, OpenApiParameter.QUERY, required=False, enum=list(WebhookDelivery.Status.values)
            )
        ],
        responses={200: s.DeliveryOutput(many=True), 404: OpenApiResponse(description="Not your endpoint")},
        examples=[NOT_FOUND],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
