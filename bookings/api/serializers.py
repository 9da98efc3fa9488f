from django.utils.translation import gettext as _
from rest_framework import serializers

from skypark.core.api.serializers import ModelOutput, StrictInput

from ..models import Attendee, Booking, Certificate, Course, CourseSession, Venue

MONEY = {"max_digits": 10, "decimal_places": 2}


class CourseOutput(ModelOutput):
    course_type = serializers.CharField(source="course_type.code", read_only=True)
    course_type_name = serializers.CharField(source="course_type.name", read_only=True)

    class Meta:
        model = Course
        fields = (
            "id",
            "name",
            "description",
            "course_type",
            "course_type_name",
            "duration_hours",
            "price",
            "currency",
            "max_capacity",
            "certificate_validity_years",
        )


class CourseVenueOutput(ModelOutput):
    class Meta:
        model = Venue
        fields = ("id", "name", "address_line1", "address_line2", "city", "postcode", "facilities", "parking_info")


class CourseSessionOutput(ModelOutput):
    course = CourseOutput(read_only=True)
    venue = CourseVenueOutput(read_only=True)
    places_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = CourseSession
        fields = ("id", "course", "venue", "starts_at", "ends_at", "status", "capacity", "places_taken", "places_left")


class CourseSessionQuery(serializers.Serializer):
    course = serializers.IntegerField(required=False, min_value=1)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    date_from = serializers.DateField(required=False, allow_null=True, default=None)
    date_to = serializers.DateField(required=False, allow_null=True, default=None)


class CourseAttendeeInput(StrictInput):
    name = serializers.CharField(max_length=255)
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class CourseBookingInput(StrictInput):
    attendees = CourseAttendeeInput(
        many=True,
        required=False,
        max_length=50,
        help_text="Named people, one place each. Leave out to book one place for yourself.",
    )
    discount_code = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_attendees(self, attendees):
        seen = set()
        for person in attendees:
            key = (person["name"].strip().casefold(), (person.get("email") or "").strip().casefold())
            if key in seen:
                raise serializers.ValidationError(
                    _("%(name)s is in the list twice.") % {"name": person["name"].strip()}
                )
            seen.add(key)
        return attendees


class CourseQuoteInput(serializers.Serializer):
    places = serializers.IntegerField(min_value=1, max_value=50, default=1)
    discount_code = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")


class CourseQuoteOutput(serializers.Serializer):
    places = serializers.IntegerField()
    unit_price = serializers.DecimalField(**MONEY)
    subtotal = serializers.DecimalField(**MONEY)
    discount = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()


class CourseAttendeeOutput(ModelOutput):
    certificate_number = serializers.SerializerMethodField()

    class Meta:
        model = Attendee
        fields = ("id", "name", "email", "attendance", "certificate_number")

    def get_certificate_number(self, attendee) -> str | None:
        certificate = getattr(attendee, "certificate", None)
        return certificate.number if certificate else None


class CourseBookingOutput(ModelOutput):
    session = CourseSessionOutput(read_only=True)
    attendees = CourseAttendeeOutput(many=True, read_only=True)
    discount_code = serializers.CharField(source="discount_code.code", read_only=True, default=None)
    order_reference = serializers.CharField(source="order.reference", read_only=True, default=None)

    class Meta:
        model = Booking
        fields = (
            "reference",
            "status",
            "payment_status",
            "places",
            "unit_price",
            "currency",
            "discount_code",
            "discount_applied",
            "amount",
            "refunded_amount",
            "order_reference",
            "notes",
            "session",
            "attendees",
            "confirmed_at",
            "cancelled_at",
            "cancellation_reason",
            "created_at",
        )


class CourseBookingCreateOutput(serializers.Serializer):
    booking = CourseBookingOutput()
    payment_url = serializers.URLField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class CourseCancelInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


class CourseRefundQuoteOutput(serializers.Serializer):
    rule = serializers.ChoiceField(choices=["full", "partial", "none"])
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()


class CourseCertificateOutput(ModelOutput):
    course = serializers.CharField(source="course.name", read_only=True)
    is_valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = Certificate
        fields = ("number", "learner_name", "course", "issued_on", "expires_on", "is_valid")
