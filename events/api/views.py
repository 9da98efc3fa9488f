"""Customer REST API of community events, and the check-in endpoint for staff devices.
Thin: parse, call one selector or service, render. Domain refusals become 4xx JSON in
the project's exception handler."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import IsCustomer
from skypark.core.api.ratelimit import ScopedRateThrottle
from skypark.core.api.serializers import ErrorOutput
from skypark.core.errors import NotFound

from .. import selectors, services
from ..models import Event, EventType, Registration
from .serializers import (
    BadgeOutput,
    CheckInInput,
    CheckInOutput,
    EventListQuery,
    EventOutput,
    EventRegisterInput,
    EventTypeOutput,
    LeaderboardOutput,
    LeaderboardQuery,
    MemberOutput,
    RegistrationOutput,
)

TAGS = ["events"]


def _error(code, message, details=None, status_code="409"):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return OpenApiExample(code, value={"error": body}, response_only=True, status_codes=[status_code])


@extend_schema(tags=TAGS, summary="Event types")
class EventTypeListApi(generics.ListAPIView):
    serializer_class = EventTypeOutput
    permission_classes = [permissions.AllowAny]
    pagination_class = None

    def get_queryset(self):
        return selectors.event_type_list()


@extend_schema(
    tags=TAGS,
    summary="Upcoming events",
    description="Published events that have not ended, soonest first. Filter by local dates, type code, "
    "`price` (free or paid), `place` (part of the place) and `search` (part of the title in ru, ky or en).",
    parameters=[EventListQuery],
)
class EventListApi(generics.ListAPIView):
    serializer_class = EventOutput
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        query = EventListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.event_list(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            type_code=data["type"],
            price=data["price"],
            place=data["place"].strip(),
            search=data["search"].strip(),
        )


def _event(pk) -> Event:
    try:
        return selectors.event_get(pk=pk)
    except Event.DoesNotExist:
        raise NotFound()


@extend_schema(
    tags=TAGS, summary="One event", responses={200: EventOutput, 404: OpenApiResponse(description="Not found")}
)
class EventDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, pk):
        return Response(EventOutput(_event(pk), context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Register for an event",
    description="A free event with a place left confirms at once (the answer carries the QR code). A paid one "
    "holds the place and answers `pending_payment` with a `payment_url`; unpaid orders expire and free the place. "
    "A full event puts the customer on the waiting list (`waitlisted` with `waitlist_position`); when a place frees "
    "up the next person is confirmed (free event) or offered the place for a limited time (paid event). "
    "A group (`attendees`: your children by `child` id, adults by `name`) counts one place per person and is "
    "confirmed, waitlisted and offered as one, unless `split_if_needed` lets the people who fit go first. "
    "Unknown fields are refused with 400.",
    request=EventRegisterInput,
    responses={
        201: RegistrationOutput,
        400: OpenApiResponse(description="Not open for registration"),
        409: OpenApiResponse(description="Already registered"),
    },
    examples=[
        _error("already_registered", "You are already registered for this event.", {"status": "confirmed"}),
        _error("not_registrable", "This event has already started.", {"reason": "started"}, status_code="400"),
    ],
)
class RegisterApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk):
        data = EventRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_create(customer=request.user, event=_event(pk), **data.validated_data)
        return Response(
            RegistrationOutput(registration, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    tags=TAGS, summary="My registrations", description="Latest event first; confirmed ones carry their QR code."
)
class RegistrationListApi(generics.ListAPIView):
    serializer_class = RegistrationOutput
    permission_classes = [IsCustomer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        return selectors.registration_list(customer=self.request.user)


def _mine(request, pk) -> Registration:
    try:
        return selectors.registration_get(customer=request.user, pk=pk)
    except Registration.DoesNotExist:
        raise NotFound()


@extend_schema(
    tags=TAGS,
    summary="One of my registrations",
    responses={200: RegistrationOutput, 404: OpenApiResponse(description="Not found")},
)
class RegistrationDetailApi(APIView):
    permission_classes = [IsCustomer]

    def get(self, request, pk):
        return Response(RegistrationOutput(_mine(request, pk), context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Cancel my registration",
    description="Allowed until the event's cancellation cut-off for a held place (a paid order is refunded by the "
    "`events.refund_policy` setting), and until the start for a waiting-list place or an offer.",
    request=None,
    responses={
        200: RegistrationOutput,
        404: OpenApiResponse(description="Not found"),
        409: OpenApiResponse(description="Too late or already closed"),
    },
    examples=[
        _error(
            "cancellation_closed",
            "It is too late to cancel this registration.",
            {"deadline": "2026-06-01T18:00:00+06:00"},
        )
    ],
)
class RegistrationCancelApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk):
        services.registration_cancel(registration=_mine(request, pk), actor=request.user)
        return Response(RegistrationOutput(_mine(request, pk), context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Cancel one person of my group",
    description="Takes one attendee (not yourself: cancel the registration for that) out of a paid or free group "
    "registration, under the same cut-off and `events.refund_policy` as cancelling it all: the person's share of "
    "what was paid (after their part of discounts and points) is refunded by the policy, and their place goes to "
    "the waiting list. An unpaid registration is paid or cancelled whole.",
    request=None,
    responses={
        200: RegistrationOutput,
        404: OpenApiResponse(description="Not found"),
        409: OpenApiResponse(
            ErrorOutput,
            description="`cancellation_closed`: too late; `registration_not_cancellable`, `attendee_not_cancellable`: this person cannot be cancelled alone",
        ),
    },
)
class RegistrationAttendeeCancelApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk, attendee_id):
        services.registration_attendee_cancel(
            registration=_mine(request, pk), attendee_id=attendee_id, actor=request.user
        )
        return Response(RegistrationOutput(_mine(request, pk), context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Take an offered place",
    description="For a waiting-list member offered a place on a paid event: creates the order; pay at `payment_url`.",
    request=None,
    responses={
        200: RegistrationOutput,
        409: OpenApiResponse(ErrorOutput, description="`offer_not_available`: no offer, or it expired"),
    },
    examples=[
        _error(
            "offer_not_available",
            "There is no place on offer for you, or the offer has expired.",
            {"status": "expired"},
        )
    ],
)
class RegistrationAcceptApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk):
        services.registration_offer_accept(registration=_mine(request, pk))
        return Response(RegistrationOutput(_mine(request, pk), context={"request": request}).data)


@extend_schema(tags=TAGS, summary="Badges and their levels")
class BadgeListApi(generics.ListAPIView):
    serializer_class = BadgeOutput
    permission_classes = [permissions.AllowAny]
    pagination_class = None

    def get_queryset(self):
        return selectors.badge_list()


@extend_schema(
    tags=TAGS,
    summary="My event points, streak and badges",
    description="`points_total` is the events' own gamification points (what leaderboards rank). The coalition bonus "
    "balance of the loyalty network is separate; attending also adds to it through the loyalty engine.",
    responses={200: MemberOutput},
)
class MemberApi(APIView):
    permission_classes = [IsCustomer]

    def get(self, request):
        summary = selectors.member_summary(customer=request.user)
        return Response(MemberOutput(summary).data)


@extend_schema(
    tags=TAGS,
    summary="Leaderboard",
    description="Event points this `week` (ISO week in Asia/Bishkek), this `month` or `all` time, overall or for one "
    "event `type`. Standard competition ranking: equal points share a rank and the next rank skips (1, 2, 2, 4). "
    "`me` is the caller's own place, also when outside the top list (null when they have no points in the period).",
    parameters=[LeaderboardQuery],
    responses={200: LeaderboardOutput},
    examples=[
        OpenApiExample(
            "Tie",
            value={
                "period": "week",
                "period_key": "2026-W47",
                "type": None,
                "ranking": "standard competition (1, 2, 2, 4)",
                "top": [
                    {"rank": 1, "customer_id": 7, "name": "Aida K.", "points": 50},
                    {"rank": 2, "customer_id": 3, "name": "Bek S.", "points": 30},
                    {"rank": 2, "customer_id": 9, "name": "Dana", "points": 30},
                ],
                "me": {"rank": 4, "customer_id": 12, "name": "Emir T.", "points": 10},
            },
            response_only=True,
        )
    ],
)
class LeaderboardApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        query = LeaderboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        event_type = None
        if data["type"]:
            event_type = EventType.objects.filter(code=data["type"]).first()
            if event_type is None:
                raise NotFound()
        board = selectors.leaderboard(
            period=data["period"], event_type=event_type, customer=request.user, limit=data["limit"]
        )
        body = {
            "period": board.period,
            "period_key": board.period_key,
            "type": event_type.code if event_type else None,
            "ranking": "standard competition (1, 2, 2, 4)",
            "top": [row.__dict__ for row in board.top],
            "me": board.me.__dict__ if board.me else None,
        }
        return Response(LeaderboardOutput(body).data)


class IsCheckInStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm("events.change_registration"))


@extend_schema(
    tags=["gates"],
    summary="Check a member in at an event",
    description="For check-in devices signed in as staff. A refused scan is not an error: the answer is 200 with "
    "`admitted: false` and a `reason` (wrong_event, already_checked_in, not_paid, not_confirmed, cancelled, "
    "event_cancelled, too_early, event_over, forged, unknown).",
    request=CheckInInput,
    responses={
        200: CheckInOutput,
        403: OpenApiResponse(description="Not check-in staff"),
        404: OpenApiResponse(description="No such event (`not_found`)"),
    },
    examples=[
        OpenApiExample("Scan", value={"event": 41, "code": "8H3K2M9P"}, request_only=True),
        OpenApiExample(
            "Refused",
            value={
                "admitted": False,
                "reason": "already_checked_in",
                "message": "This member is already checked in.",
                "registration_id": 97,
                "member": "Aida K.",
                "checked_in_at": "2026-06-01T18:02:11+06:00",
                "details": {"used_at": "2026-06-01T18:02:11+06:00"},
            },
            response_only=True,
        ),
    ],
)
class CheckInApi(APIView):
    throttle_classes = [*APIView.throttle_classes, ScopedRateThrottle]
    throttle_scope = "gate_code"
    permission_classes = [IsCheckInStaff]

    def post(self, request):
        data = CheckInInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = Event.objects.filter(pk=data.validated_data["event"]).first()
        if event is None:
            raise NotFound()
        result = services.registration_check_in(code=data.validated_data["code"], event=event, staff=request.user)
        registration = result.registration
        body = {
            "admitted": result.admitted,
            "reason": result.reason,
            "message": result.message,
            "registration_id": registration.pk if registration else None,
            "member": (registration.customer.name or str(registration.customer)) if registration else None,
            "checked_in_at": registration.checked_in_at if registration else None,
            "details": result.facts,
        }
        return Response(CheckInOutput(body).data)
