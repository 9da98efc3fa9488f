from django.urls import reverse
from rest_framework import serializers

from skypark.core.api.serializers import ModelOutput, StrictInput, VerdictDetails

from ..models import (
    Badge,
    BadgeLevel,
    Event,
    EventType,
    LeaderboardPeriod,
    Registration,
    RegistrationAttendee,
    UserBadge,
)


class EventTypeOutput(ModelOutput):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = EventType
        fields = ("code", "display_name", "name", "name_ru", "name_ky", "name_en")


class EventOutput(ModelOutput):
    type = serializers.SlugRelatedField(source="event_type", slug_field="code", read_only=True)
    type_name = serializers.CharField(source="event_type.display_name", read_only=True)
    display_title = serializers.CharField(read_only=True)
    display_description = serializers.CharField(read_only=True)
    organiser = serializers.CharField(source="organiser_name", read_only=True)
    is_free = serializers.BooleanField(read_only=True)
    places_left = serializers.IntegerField(read_only=True, allow_null=True)
    cover_image_url = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = (
            "id",
            "display_title",
            "title",
            "title_ru",
            "title_ky",
            "title_en",
            "display_description",
            "description",
            "description_ru",
            "description_ky",
            "description_en",
            "type",
            "type_name",
            "location",
            "starts_at",
            "ends_at",
            "organiser",
            "capacity",
            "places_left",
            "price",
            "currency",
            "is_free",
            "points_reward",
            "status",
            "cover_image_url",
        )

    def get_cover_image_url(self, event) -> str | None:
        if not event.cover_image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(event.cover_image.url) if request else event.cover_image.url


class EventListQuery(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    type = serializers.SlugField(required=False, allow_blank=True, default="")
    price = serializers.ChoiceField(choices=["", "free", "paid"], required=False, default="")
    place = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    search = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class GroupAttendeeInput(StrictInput):
    child = serializers.IntegerField(required=False, min_value=1, help_text="The id of one of your children.")
    name = serializers.CharField(required=False, max_length=255, help_text="An adult (family member or colleague).")

    def validate(self, data):
        if ("child" in data) == bool((data.get("name") or "").strip()):
            raise serializers.ValidationError("Give either `child` or `name`.")
        return data


class EventRegisterInput(StrictInput):
    attendees = GroupAttendeeInput(
        many=True,
        required=False,
        max_length=19,
        help_text="The people coming with you, one place each; you are always counted. Leave out to come alone.",
    )
    split_if_needed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Accept fewer places now when the whole group does not fit; the rest wait on the list.",
    )


class GroupAttendeeOutput(ModelOutput):
    cancelled = serializers.SerializerMethodField()

    class Meta:
        model = RegistrationAttendee
        fields = ("id", "name", "child", "is_customer", "cancelled")

    def get_cancelled(self, attendee) -> bool:
        return attendee.cancelled_at is not None


class RegistrationOutput(ModelOutput):
    event = EventOutput(read_only=True)
    attendees = GroupAttendeeOutput(many=True, read_only=True)
    order_reference = serializers.CharField(source="order.reference", read_only=True, default=None)
    payment_url = serializers.SerializerMethodField()
    waitlist_position = serializers.SerializerMethodField()
    qr_code = serializers.SerializerMethodField()
    backup_code = serializers.SerializerMethodField()
    qr_image_url = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = (
            "id",
            "event",
            "status",
            "places",
            "split_if_needed",
            "part_of",
            "attendees",
            "waitlist_position",
            "offer_expires_at",
            "order_reference",
            "payment_url",
            "qr_code",
            "backup_code",
            "qr_image_url",
            "checked_in_at",
            "checked_out_at",
            "created_at",
        )

    def _url(self, url):
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_payment_url(self, registration) -> str | None:
        if registration.status != Registration.Status.PENDING_PAYMENT or registration.order_id is None:
            return None
        return self._url(reverse("commerce:order-pay", args=[registration.order.reference]))

    def get_waitlist_position(self, registration) -> int | None:
        if hasattr(registration, "position"):
            return registration.position
        from ..services import waitlist_position

        return waitlist_position(registration)

    def get_qr_code(self, registration) -> str | None:
        return registration.qr_code if registration.shows_code else None

    def get_backup_code(self, registration) -> str | None:
        return registration.backup_code if registration.shows_code else None

    def get_qr_image_url(self, registration) -> str | None:
        if not registration.shows_code:
            return None
        return self._url(reverse("events:registration-qr", args=[registration.pk]))


class BadgeLevelOutput(ModelOutput):
    class Meta:
        model = BadgeLevel
        fields = ("level", "requirement", "points")


class BadgeOutput(ModelOutput):
    display_name = serializers.CharField(read_only=True)
    display_description = serializers.CharField(read_only=True)
    levels = BadgeLevelOutput(many=True, read_only=True)

    class Meta:
        model = Badge
        fields = ("code", "display_name", "display_description", "badge_type", "category", "icon", "levels")


class UserBadgeOutput(ModelOutput):
    badge = BadgeOutput(read_only=True)

    class Meta:
        model = UserBadge
        fields = ("badge", "level", "earned_at", "levelled_at")


class PointsEntryOutput(serializers.Serializer):
    points = serializers.IntegerField()
    kind = serializers.CharField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class MemberOutput(serializers.Serializer):
    points_total = serializers.IntegerField(help_text="Event points (the gamification ledger, what leaderboards rank).")
    current_streak = serializers.IntegerField(help_text="Consecutive ISO weeks (Asia/Bishkek) with an event attended.")
    longest_streak = serializers.IntegerField()
    badges = UserBadgeOutput(many=True)
    recent_points = PointsEntryOutput(many=True)


class LeaderboardQuery(serializers.Serializer):
    period = serializers.ChoiceField(choices=LeaderboardPeriod.choices, required=False, default="week")
    type = serializers.SlugField(required=False, allow_blank=True, default="")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=10)


class RankedOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    name = serializers.CharField()
    points = serializers.IntegerField()


class LeaderboardOutput(serializers.Serializer):
    period = serializers.CharField()
    period_key = serializers.CharField()
    type = serializers.CharField(allow_null=True)
    ranking = serializers.CharField(default="standard competition (1, 2, 2, 4)")
    top = RankedOutput(many=True)
    me = RankedOutput(allow_null=True)


class CheckInInput(serializers.Serializer):
    event = serializers.IntegerField(min_value=1)
    code = serializers.CharField(max_length=200)


class CheckInOutput(serializers.Serializer):
    admitted = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.CharField()
    registration_id = serializers.IntegerField(allow_null=True)
    member = serializers.CharField(allow_null=True)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    details = VerdictDetails(help_text="Why a refused code was refused: when it was checked in, or its event and day.")
