from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from skypark.core.api.serializers import ModelOutput, SharedFieldSettings, VerdictDetails

from ..models import WHOLE_DAY, OpeningHours, Park, Ticket, TimeSlot


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$", "example": "10:00:00"}
)
class LocalTimeField(serializers.TimeField):
    """A park's local wall-clock time ("10:00:00"). OpenAPI's ``format: time`` is RFC 3339
    ``full-time``, which requires a UTC offset, so the schema gives the pattern instead."""


class HoursOutput(ModelOutput):
    overnight = serializers.BooleanField(read_only=True)
    opens = LocalTimeField(read_only=True)
    closes = LocalTimeField(read_only=True)

    class Meta:
        model = OpeningHours
        fields = ("weekday", "opens", "closes", "overnight")


class SlotOutput(ModelOutput):
    starts = LocalTimeField(read_only=True)
    ends = LocalTimeField(read_only=True)

    class Meta:
        model = TimeSlot
        fields = ("code", "name", "starts", "ends")


class ParkOutput(ModelOutput):
    display_name = serializers.CharField(read_only=True)
    display_address = serializers.CharField(read_only=True)
    hours = HoursOutput(many=True, read_only=True)
    slots = SlotOutput(many=True, read_only=True)

    class Meta:
        model = Park
        fields = (
            "slug",
            "display_name",
            "name",
            "name_ru",
            "name_ky",
            "name_en",
            "display_address",
            "address",
            "address_ru",
            "address_ky",
            "address_en",
            "capacity",
            "current_occupancy",
            "price_under_3",
            "price_over_3",
            "subscription_visits",
            "subscription_days",
            "lat",
            "lng",
            "amenities",
            "images",
            "is_temporarily_closed",
            "closure_reason",
            "closed_until",
            "hours",
            "slots",
        )


class AvailabilityQuery(serializers.Serializer):
    date = serializers.DateField()
    slot = serializers.CharField(required=False, allow_blank=True, default=WHOLE_DAY, max_length=20)
    visitors = serializers.IntegerField(required=False, min_value=1, max_value=20, default=1)


class AvailabilityOutput(serializers.Serializer):
    park = serializers.CharField()
    date = serializers.DateField()
    slot = serializers.CharField()
    bookable = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["available", "limited", "full", "closed"])
    reason = serializers.CharField()
    message = serializers.CharField()
    capacity = serializers.IntegerField()
    sold = serializers.IntegerField()
    available_spots = serializers.IntegerField()
    occupancy_percentage = serializers.DecimalField(max_digits=5, decimal_places=1)


class VisitorInput(serializers.Serializer):
    child_id = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, max_length=100)
    age = serializers.IntegerField(required=False, min_value=0, max_value=17)

    def validate(self, data):
        if not data.get("child_id") and (not data.get("name") or data.get("age") is None):
            raise serializers.ValidationError("Give a child_id, or a guest's name and age.")
        return data


class TicketOrderInput(serializers.Serializer):
    visit_date = serializers.DateField()
    slot = serializers.CharField(required=False, allow_blank=True, default=WHOLE_DAY, max_length=20)
    ticket_type = serializers.ChoiceField(choices=Ticket.Type.choices, default=Ticket.Type.SINGLE)
    visitors = VisitorInput(many=True, allow_empty=False, max_length=20)
    points = serializers.IntegerField(required=False, min_value=0, default=0)


class QuoteLineOutput(serializers.Serializer):
    name = serializers.CharField()
    age = serializers.IntegerField()
    child_id = serializers.IntegerField(allow_null=True)
    band = serializers.ChoiceField(choices=["under_3", "over_3"])
    price = serializers.DecimalField(max_digits=10, decimal_places=2)


class QuoteOutput(serializers.Serializer):
    visit_date = serializers.DateField()
    ticket_type = serializers.CharField()
    visits = serializers.IntegerField()
    lines = QuoteLineOutput(many=True)
    subtotal = serializers.DecimalField(max_digits=10, decimal_places=2)
    tier = serializers.CharField()
    tier_discount = serializers.DecimalField(max_digits=10, decimal_places=2)
    points = serializers.IntegerField()
    points_discount = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()


class TicketOutput(ModelOutput):
    park = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    park_name = serializers.CharField(source="park.display_name", read_only=True)
    order_reference = serializers.CharField(source="order.reference", read_only=True, default=None)
    total = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    qr_image_url = serializers.SerializerMethodField()
    qr_code = serializers.SerializerMethodField()
    backup_code = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = (
            "id",
            "park",
            "park_name",
            "order_reference",
            "ticket_type",
            "status",
            "visit_date",
            "slot",
            "valid_until",
            "visits_allowed",
            "visits_used",
            "children_data",
            "price",
            "discount_amount",
            "loyalty_points_used",
            "total",
            "qr_code",
            "backup_code",
            "qr_image_url",
            "entry_time",
            "exit_time",
            "created_at",
        )

    def _shows_code(self, ticket) -> bool:
        return ticket.status == Ticket.Status.ACTIVE

    def get_qr_code(self, ticket) -> str | None:
        return ticket.qr_code if self._shows_code(ticket) else None

    def get_backup_code(self, ticket) -> str | None:
        return ticket.backup_code if self._shows_code(ticket) else None

    def get_qr_image_url(self, ticket) -> str | None:
        if not self._shows_code(ticket):
            return None
        from django.urls import reverse

        url = reverse("parks:ticket-qr", args=[ticket.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class TicketOrderOutput(serializers.Serializer):
    order_reference = serializers.CharField()
    payment_url = serializers.URLField()
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    expires_at = serializers.DateTimeField()
    ticket = TicketOutput()


class GateInput(SharedFieldSettings, serializers.Serializer):
    park = serializers.SlugField()
    code = serializers.CharField(max_length=400)
    gate = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    guardian = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="At a park with guardian pairing: the listed adult (as the pack and `details.guardians` name "
        "them) who brings the children in, or collects them at exit.",
    )


class GateOutput(SharedFieldSettings, serializers.Serializer):
    admitted = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.CharField()
    visitors = serializers.IntegerField(allow_null=True)
    children = serializers.ListField(child=serializers.DictField(), allow_null=True)
    ticket_id = serializers.IntegerField(allow_null=True)
    visit_id = serializers.IntegerField(allow_null=True)
    details = VerdictDetails(help_text="Why a refused code was refused: its valid day, or when and where it was used.")
