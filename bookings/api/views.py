"""Customer REST API of the course bookings. Thin: parse, call one selector or service,
render. Domain refusals become 4xx JSON in the project's exception handler."""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import IsCustomer
from skypark.core.api.serializers import ErrorOutput
from skypark.core.errors import NotFound

from .. import selectors, services
from ..documents import PDF_MIMETYPE, certificate_pdf
from ..models import Booking, Certificate, Course, CourseSession
from .serializers import (
    CourseBookingCreateOutput,
    CourseBookingInput,
    CourseBookingOutput,
    CourseCancelInput,
    CourseCertificateOutput,
    CourseOutput,
    CourseQuoteInput,
    CourseQuoteOutput,
    CourseRefundQuoteOutput,
    CourseSessionOutput,
    CourseSessionQuery,
)

TAGS = ["courses"]
DISCOUNT_REFUSED = OpenApiExample(
    "Discount code refused",
    value={
        "error": {
            "code": "discount_refused",
            "message": "This discount code has expired.",
            "details": {"reason": "expired", "valid_until": "2025-05-31"},
        }
    },
    response_only=True,
    status_codes=["400"],
)
SESSION_FULL = OpenApiExample(
    "Session full",
    value={
        "error": {
            "code": "session_full",
            "message": "There are not enough places left on this session.",
            "details": {"places_left": 1, "requested": 3},
        }
    },
    response_only=True,
    status_codes=["409"],
)


def _session(pk) -> CourseSession:
    try:
        session = selectors.session_get(pk=pk)
    except CourseSession.DoesNotExist:
        raise NotFound()
    if session.status not in CourseSession.OPEN_STATUSES:
        raise NotFound()
    return session


def _my_booking(request, reference) -> Booking:
    try:
        return selectors.booking_get(customer=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise NotFound()


@extend_schema(
    tags=TAGS, summary="Courses", description="Active courses with type, duration, price and certificate validity."
)
class CourseListApi(generics.ListAPIView):
    serializer_class = CourseOutput
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.course_list(course_type=self.request.query_params.get("course_type", "")[:50])


@extend_schema(
    tags=TAGS, summary="One course", responses={200: CourseOutput, 404: OpenApiResponse(description="No such course")}
)
class CourseDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, pk):
        try:
            return Response(CourseOutput(selectors.course_get(pk=pk)).data)
        except Course.DoesNotExist:
            raise NotFound()


@extend_schema(
    tags=TAGS,
    summary="Sessions with places left",
    description="Published sessions that have not started, soonest first; filter by course, city and local dates (inclusive).",
    parameters=[CourseSessionQuery],
)
class SessionListApi(generics.ListAPIView):
    serializer_class = CourseSessionOutput
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        query = CourseSessionQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        course = None
        if data.get("course"):
            course = Course.objects.filter(pk=data["course"]).first()
            if course is None:
                return CourseSession.objects.none()
        return selectors.session_list(
            course=course, city=data["city"], date_from=data["date_from"], date_to=data["date_to"]
        )


@extend_schema(
    tags=TAGS,
    summary="Price with a discount code",
    description="What `places` cost with `discount_code`. A refused code answers 400 with `details.reason` (unknown, inactive, expired, not_yet_valid, limit_reached, wrong_course_type, below_minimum). Writes nothing.",
    request=CourseQuoteInput,
    responses={200: CourseQuoteOutput, 400: OpenApiResponse(description="Code refused or bad input")},
    examples=[DISCOUNT_REFUSED],
)
class SessionQuoteApi(APIView):
    permission_classes = [permissions.AllowAny]

    def post(self, request, pk):
        data = CourseQuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        price = services.price_quote(session=_session(pk), **data.validated_data)
        body = {**price.__dict__, "total": price.total}
        return Response(CourseQuoteOutput(body).data)


@extend_schema(
    tags=TAGS,
    summary="Book a session",
    description="Takes the places and opens an order awaiting payment; pay at `payment_url` (web) or through `POST /api/v1/orders/{order_reference}/pay/`. The booking is confirmed when the payment completes; unpaid bookings expire and free their places.",
    request=CourseBookingInput,
    responses={
        201: CourseBookingCreateOutput,
        400: OpenApiResponse(description="Code refused, not bookable or bad input"),
        409: OpenApiResponse(description="Not enough places"),
    },
    examples=[
        OpenApiExample(
            "Company booking",
            value={
                "attendees": [{"name": "Ann Smith", "email": "ann@example.co.uk"}, {"name": "Bob Jones"}],
                "discount_code": "SPRING10",
            },
            request_only=True,
        ),
        DISCOUNT_REFUSED,
        SESSION_FULL,
    ],
)
class BookingCreateApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, pk):
        data = CourseBookingInput(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(customer=request.user, session=_session(pk), **data.validated_data)
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


@extend_schema(tags=TAGS, summary="My course bookings", description="Latest session first.")
class BookingListApi(generics.ListAPIView):
    serializer_class = CourseBookingOutput
    permission_classes = [IsCustomer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        return selectors.booking_list(customer=self.request.user)


@extend_schema(
    tags=TAGS,
    summary="One of my bookings",
    responses={200: CourseBookingOutput, 404: OpenApiResponse(description="Not found")},
)
class BookingDetailApi(APIView):
    permission_classes = [IsCustomer]

    def get(self, request, reference):
        return Response(CourseBookingOutput(_my_booking(request, reference)).data)


@extend_schema(
    tags=TAGS,
    summary="What cancelling now gives back",
    description="The cancellation policy (the `bookings.refund_policy` setting) applied to this booking at this moment (full refund up to 7 days before, 50 % up to 48 hours, nothing after, by default).",
    responses={200: CourseRefundQuoteOutput, 404: OpenApiResponse(description="Not found")},
)
class BookingRefundQuoteApi(APIView):
    permission_classes = [IsCustomer]

    def get(self, request, reference):
        booking = _my_booking(request, reference)
        due = services.refund_due(booking=booking)
        return Response(CourseRefundQuoteOutput(due).data)


@extend_schema(
    tags=TAGS,
    summary="Cancel a booking",
    description="Unpaid: the order is cancelled. Paid: refunded per the cancellation policy through the original payment. Frees the places.",
    request=CourseCancelInput,
    responses={
        200: CourseBookingOutput,
        404: OpenApiResponse(description="Not found"),
        409: OpenApiResponse(description="Already cancelled, completed or started (`booking_not_cancellable`)"),
    },
)
class BookingCancelApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, reference):
        data = CourseCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_cancel(
            booking=_my_booking(request, reference), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(
            CourseBookingOutput(selectors.booking_get(customer=request.user, reference=booking.reference)).data
        )


@extend_schema(
    tags=TAGS,
    summary="Cancel one attendee of a paid group booking",
    description="Refunds that person's share of what was paid (after their part of the discount and points) by the "
    "cancellation policy through the checkout, and frees the place (offered to the waiting list).",
    request=None,
    responses={
        200: CourseBookingOutput,
        404: OpenApiResponse(description="Not found"),
        409: OpenApiResponse(
            ErrorOutput, description="`booking_not_cancellable`: not confirmed, started, or the last person"
        ),
    },
)
class BookingAttendeeCancelApi(APIView):
    permission_classes = [IsCustomer]

    def post(self, request, reference, attendee_id):
        booking, _refunded = services.booking_attendee_cancel(
            booking=_my_booking(request, reference), attendee_id=attendee_id, actor=request.user
        )
        return Response(
            CourseBookingOutput(selectors.booking_get(customer=request.user, reference=booking.reference)).data
        )


@extend_schema(tags=TAGS, summary="My certificates")
class CertificateListApi(generics.ListAPIView):
    serializer_class = CourseCertificateOutput
    permission_classes = [IsCustomer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Certificate.objects.none()
        return selectors.certificate_list(customer=self.request.user)


@extend_schema(
    tags=TAGS,
    summary="Download a certificate (PDF)",
    responses={(200, PDF_MIMETYPE): OpenApiTypes.BINARY, 404: OpenApiResponse(description="Not found")},
)
class CertificatePdfApi(APIView):
    permission_classes = [IsCustomer]

    def get(self, request, number):
        certificate = selectors.certificate_list(customer=request.user).filter(number=number.upper()).first()
        if certificate is None:
            raise NotFound()
        response = HttpResponse(certificate_pdf(certificate), content_type=PDF_MIMETYPE)
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
        return response


@extend_schema(
    tags=TAGS,
    summary="Verify a certificate",
    description="Public: the learner's name, course and dates of a certificate number, and whether it is still valid.",
    responses={200: CourseCertificateOutput, 404: OpenApiResponse(description="No such certificate")},
)
class CertificateVerifyApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, number):
        try:
            return Response(CourseCertificateOutput(selectors.certificate_get(number=number)).data)
        except Certificate.DoesNotExist:
            raise NotFound()
