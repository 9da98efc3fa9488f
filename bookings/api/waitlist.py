"""The waiting list of a full course session over the API: join with the group, see the
place in the list, book the places offered, leave. Thin: parse, call one service,
render."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import IsCustomer
from skypark.core.api.serializers import ErrorOutput, ModelOutput
from skypark.core.errors import NotFound

from .. import selectors, services
from ..models import WaitlistEntry
from .serializers import CourseBookingCreateOutput, CourseBookingInput
from .views import _session

TAGS = ["courses"]


class WaitlistInput(CourseBookingInput):
    split_if_needed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Accept fewer places when the whole group does not fit; the others keep the group's turn.",
    )


class WaitlistOutput(ModelOutput):
    position = serializers.SerializerMethodField()
    session = serializers.IntegerField(source="session_id", read_only=True)

    class Meta:
        model = WaitlistEntry
        fields = (
            "id",
            "session",
            "status",
            "places",
            "attendees",
            "split_if_needed",
            "position",
            "offer_expires_at",
            "part_of",
            "joined_at",
        )

    def get_position(self, entry) -> int | None:
        return services.waitlist_position(entry)


def _mine(request, pk) -> WaitlistEntry:
    entry = WaitlistEntry.objects.filter(customer=request.user, pk=pk).first()
    if entry is None:
        raise NotFound()
    return entry


@extend_schema(
    tags=TAGS,
    summary="Join a session's waiting list",
    description="For a group that does not fit in the places left. Places that free up are offered to the first "
    "group that fits, for the `bookings.offer_hours` setting; a group is offered all its places at once unless "
    "`split_if_needed`. Unknown fields are refused with 400.",
    request=WaitlistInput,
    responses={
        201: WaitlistOutput,
        409: OpenApiResponse(ErrorOutput, description="`waitlist_not_available`: the group fits: book instead"),
    },
)
class WaitlistJoinApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk):
        data = WaitlistInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.waitlist_join(customer=request.user, session=_session(pk), **data.validated_data)
        return Response(WaitlistOutput(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS, summary="My waiting-list places", description="With the place in the list while waiting.")
class WaitlistListApi(generics.ListAPIView):
    serializer_class = WaitlistOutput
    permission_classes = [IsCustomer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WaitlistEntry.objects.none()
        return WaitlistEntry.objects.filter(customer=self.request.user).order_by("-joined_at", "-pk")


@extend_schema(
    tags=TAGS,
    summary="Book the places offered",
    request=None,
    responses={
        201: CourseBookingCreateOutput,
        409: OpenApiResponse(ErrorOutput, description="`waitlist_not_available`: no offer, or it expired"),
    },
)
class WaitlistAcceptApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk):
        booking = services.waitlist_offer_accept(entry=_mine(request, pk))
        booking = selectors.booking_get(customer=request.user, reference=booking.reference)
        order = booking.order
        payable = order is not None and order.is_payable
        body = {
            "booking": booking,
            "payment_url": request.build_absolute_uri(reverse("commerce:order-pay", args=[order.reference]))
            if payable
            else None,
            "expires_at": order.expires_at if payable else None,
        }
        return Response(CourseBookingCreateOutput(body).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=TAGS, summary="Leave the waiting list or turn an offer down", request=None, responses={200: WaitlistOutput}
)
class WaitlistLeaveApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk):
        entry = services.waitlist_leave(entry=_mine(request, pk), actor=request.user)
        return Response(WaitlistOutput(entry).data)
