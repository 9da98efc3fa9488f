"""Company bookings over the API: name the staff, give the invoice details, get the
booking (pending, places held) and its invoice. Thin: parse, call one service, render."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import IsCustomer
from skypark.core.api.serializers import ModelOutput

from .. import selectors, services
from ..company import CompanyInvoice
from ..errors import (
    DiscountRefused,
    InvalidAttendees,
    InvalidCompanyDetails,
    InvoiceNotAvailable,
    SessionFull,
    SessionNotBookable,
)
from .serializers import MONEY, CourseBookingInput, CourseBookingOutput
from .views import _session

TAGS = ["courses"]


class CompanyBookingInput(CourseBookingInput):
    company_name = serializers.CharField(max_length=200)
    company_address = serializers.CharField(max_length=1000)
    purchase_order = serializers.CharField(
        max_length=40, help_text="Your purchase-order number, printed on the invoice."
    )
    vat_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(help_text="Where the invoice and its reminder go.")


class CompanyInvoiceOutput(ModelOutput):
    amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = CompanyInvoice
        fields = (
            "number",
            "company_name",
            "purchase_order",
            "vat_number",
            "contact_email",
            "amount",
            "currency",
            "due_date",
            "status",
        )


class CompanyBookingOutput(serializers.Serializer):
    booking = CourseBookingOutput()
    invoice = CompanyInvoiceOutput()


@extend_schema(
    tags=TAGS,
    summary="Book staff for a company, paid by invoice",
    description=(
        "Books the named staff (one place each) and issues the company's invoice: the booking is pending with "
        "its places held until the invoice's due date (the terms, cut to a few days before the session); staff "
        "record the bank transfer, which confirms it. Unpaid by the due date, the places are released."
    ),
    request=CompanyBookingInput,
    responses={201: CompanyBookingOutput},
    examples=[
        OpenApiExample(
            "Three first-aiders",
            value={
                "attendees": [{"name": "Amelia Hart", "email": "amelia@acme.co.uk"}, {"name": "Tom Reed"}],
                "company_name": "Acme Logistics Ltd",
                "company_address": "Unit 4, Aire Street, Leeds LS1 4PR",
                "purchase_order": "PO-2027/0042",
                "vat_number": "GB123456789",
                "contact_email": "accounts@acme.co.uk",
            },
            request_only=True,
        )
    ],
)
class CompanyBookingCreateApi(APIView):
    permission_classes = [IsCustomer]
    api_errors = (
        InvalidCompanyDetails,
        InvalidAttendees,
        InvoiceNotAvailable,
        DiscountRefused,
        SessionFull,
        SessionNotBookable,
    )

    def post(self, request, pk):
        data = CompanyBookingInput(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = services.company_booking_create(customer=request.user, session=_session(pk), **data.validated_data)
        booking = selectors.booking_get(customer=request.user, reference=invoice.booking.reference)
        return Response(
            CompanyBookingOutput({"booking": booking, "invoice": invoice}).data, status=status.HTTP_201_CREATED
        )
