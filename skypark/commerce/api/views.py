from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..models import Order
from ..providers import enabled_providers
from ..services import order_cancel, payment_start
from .serializers import OrderDetailOutput, OrderListOutput, PayInput, PayOutput, ProviderOutput

TAGS = ["orders"]
ERROR_EXAMPLE = OpenApiExample(
    "Illegal transition",
    value={
        "error": {
            "code": "illegal_transition",
            "message": "Order SP-7K3M9Q2X cannot go from “paid” to “cancelled”.",
            "details": {"from": "paid", "to": "cancelled"},
        }
    },
    response_only=True,
    status_codes=["409"],
)


@extend_schema(tags=TAGS, summary="My orders", description="The signed-in customer's orders, newest first.")
class OrderListApi(generics.ListAPIView):
    serializer_class = OrderListOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.order_list(customer=self.request.user)


@extend_schema(
    tags=TAGS,
    summary="One of my orders",
    responses={200: OrderDetailOutput, 404: OpenApiResponse(description="Not your order or no such order")},
)
class OrderDetailApi(APIView):
    def get(self, request, reference):
        order = selectors.order_get(reference=reference, customer=request.user)
        return Response(OrderDetailOutput(order).data)


@extend_schema(
    tags=TAGS,
    summary="Start paying an order",
    description=(
        "Creates a payment attempt with the chosen provider and method. Follow `redirect_url` "
        "(hosted card page) or show `instructions` (cash at the desk). The order becomes paid when "
        "the provider confirms; poll the order or come back to `return_url`."
    ),
    request=PayInput,
    responses={
        201: PayOutput,
        404: OpenApiResponse(description="Not found"),
        409: OpenApiResponse(description="Order no longer payable (`order_not_payable`)"),
    },
    examples=[
        OpenApiExample(
            "Card through the sandbox",
            value={"provider": "sandbox", "method": "visa", "return_url": "/pay/SP-7K3M9Q2X/result/"},
            request_only=True,
        ),
        OpenApiExample(
            "Redirect",
            value={
                "payment": {
                    "id": 12,
                    "provider": "sandbox",
                    "method": "visa",
                    "amount": "1580.00",
                    "currency": "KGS",
                    "status": "processing",
                    "failure_reason": "",
                    "created_at": "2025-01-01T10:00:00Z",
                    "processed_at": None,
                },
                "redirect_url": "https://skypark.kg/pay/sandbox/eyJw…/",
                "instructions": "",
            },
            response_only=True,
            status_codes=["201"],
        ),
    ],
)
class OrderPayApi(APIView):
    def post(self, request, reference):
        order = selectors.order_get(reference=reference, customer=request.user, detail=False)
        data = PayInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment, action = payment_start(order=order, actor=request.user, **data.validated_data)
        redirect_url = request.build_absolute_uri(action.redirect_url) if action.redirect_url else ""
        body = {"payment": payment, "redirect_url": redirect_url, "instructions": action.instructions}
        return Response(PayOutput(body).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=TAGS,
    summary="Cancel an unpaid order",
    request=None,
    responses={
        200: OrderDetailOutput,
        404: OpenApiResponse(description="Not found"),
        409: OpenApiResponse(description="Not cancellable"),
    },
    examples=[ERROR_EXAMPLE],
)
class OrderCancelApi(APIView):
    def post(self, request, reference):
        order = selectors.order_get(reference=reference, customer=request.user)
        order_cancel(order=order, actor=request.user, reason="cancelled by the customer")
        return Response(OrderDetailOutput(selectors.order_get(reference=reference)).data)


@extend_schema(tags=TAGS, summary="Payment providers", responses={200: ProviderOutput(many=True)})
class PaymentProviderListApi(APIView):
    def get(self, request):
        return Response(ProviderOutput([p.describe() for p in enabled_providers()], many=True).data)
