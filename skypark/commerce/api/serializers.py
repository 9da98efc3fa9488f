from rest_framework import serializers

from skypark.core.api.serializers import ModelOutput

from ..models import Order, OrderLine, Payment, PaymentMethod, Refund


class OrderLineOutput(ModelOutput):
    class Meta:
        model = OrderLine
        fields = ("kind", "object_id", "description", "quantity", "unit_price", "discount", "total")


class PaymentOutput(ModelOutput):
    class Meta:
        model = Payment
        fields = (
            "id",
            "provider",
            "method",
            "amount",
            "currency",
            "status",
            "failure_reason",
            "created_at",
            "processed_at",
        )


class RefundOutput(ModelOutput):
    class Meta:
        model = Refund
        fields = ("id", "amount", "reason", "status", "created_at", "processed_at")


class OrderListOutput(ModelOutput):
    lines = OrderLineOutput(many=True, read_only=True)

    class Meta:
        model = Order
        fields = (
            "reference",
            "status",
            "currency",
            "subtotal",
            "discount_total",
            "total",
            "refunded_total",
            "expires_at",
            "paid_at",
            "cancelled_at",
            "created_at",
            "lines",
        )


class OrderDetailOutput(OrderListOutput):
    payments = PaymentOutput(many=True, read_only=True)
    refunds = RefundOutput(many=True, read_only=True)

    class Meta(OrderListOutput.Meta):
        fields = (*OrderListOutput.Meta.fields, "payments", "refunds")


class PayInput(serializers.Serializer):
    provider = serializers.CharField(max_length=32)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    return_url = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PayOutput(serializers.Serializer):
    payment = PaymentOutput()
    redirect_url = serializers.CharField(allow_blank=True)
    instructions = serializers.CharField(allow_blank=True)


class ProviderOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField())
    hosted = serializers.BooleanField()
    simulated = serializers.BooleanField(default=False, help_text="A local simulator: no real money moves.")
    flow = serializers.CharField(default="", help_text="Gateways: `redirect` (hosted page) or `qr` (QR and app link).")
