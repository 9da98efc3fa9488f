from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import IsCustomer

from .. import selectors


class MyDataApi(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["customer"],
        summary="Download all my personal data",
        description=(
            "Everything the platform holds about the signed-in customer, by app: profile, children, "
            "orders, payments, refunds, tickets, event registrations, points, badges, course bookings, "
            "certificates, loyalty accounts, ledger, transactions, coupons, notifications."
        ),
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        response = Response(selectors.personal_data_export(user=request.user))
        response["Content-Disposition"] = (
            f'attachment; filename="{selectors.personal_data_filename(user=request.user)}"'
        )
        response["Cache-Control"] = "no-store"
        return response
