"""Partners read their settlement statements. Only ever the merchant's own (from the API
key); another partner's statement number is a 404, as a missing one is."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import PartnerApiMixin

from .. import documents, selectors
from ..errors import StatementNotFound
from ..models import Statement, StatementLine
from . import serializers as s

TAGS = ["partner"]
NOT_FOUND = OpenApiResponse(description="No statement of yours has this number (`statement_not_found`)")
NOT_FOUND_EXAMPLE = OpenApiExample(
    "statement_not_found",
    value={"error": {"code": "statement_not_found", "message": "No such statement."}},
    response_only=True,
    status_codes=["404"],
)
PDF = "application/pdf"
CSV = "text/csv"


@extend_schema(
    tags=TAGS,
    summary="Your settlement statements",
    description=(
        "One per closed settlement period of the coalition, newest first: what your points, redemptions, coupons, "
        "fees and breakage came to, and the balance with the coalition (positive: the coalition owes you). A "
        "`settlement.closed` webhook tells you when a new one is ready."
    ),
)
class PartnerStatementListApi(PartnerApiMixin, generics.ListAPIView):
    serializer_class = s.StatementOutput
    api_errors = ()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Statement.objects.none()
        return selectors.statement_list(merchant=self.merchant, test=self.is_test)


@extend_schema(
    tags=TAGS,
    summary="A settlement statement's totals",
    responses={200: s.StatementOutput, 404: NOT_FOUND},
    examples=[NOT_FOUND_EXAMPLE],
)
class PartnerStatementDetailApi(PartnerApiMixin, APIView):
    api_errors = (StatementNotFound,)

    def get(self, request, number):
        return Response(
            s.StatementOutput(selectors.statement_get(merchant=self.merchant, number=number, test=self.is_test)).data
        )


@extend_schema(
    tags=TAGS,
    summary="A settlement statement's lines",
    description="Every movement behind the totals, down to the transaction, in time order; they sum to `net`.",
    responses={200: s.StatementLineOutput(many=True), 404: NOT_FOUND},
    examples=[NOT_FOUND_EXAMPLE],
)
class PartnerStatementLinesApi(PartnerApiMixin, generics.ListAPIView):
    serializer_class = s.StatementLineOutput
    api_errors = (StatementNotFound,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StatementLine.objects.none()
        statement = selectors.statement_get(merchant=self.merchant, number=self.kwargs["number"], test=self.is_test)
        return selectors.statement_lines(statement=statement)


class _StatementFileApi(PartnerApiMixin, APIView):
    api_errors = (StatementNotFound,)
    kind = ""

    def get(self, request, number):
        statement = selectors.statement_get(merchant=self.merchant, number=number, test=self.is_test)
        lines = selectors.statement_lines(statement=statement)
        if self.kind == "pdf":
            response = HttpResponse(documents.statement_pdf(statement, lines), content_type=PDF)
        else:
            response = HttpResponse(documents.statement_csv(statement, lines), content_type=CSV)
        response["Content-Disposition"] = f'attachment; filename="{statement.number}.{self.kind}"'
        return response


@extend_schema(
    tags=TAGS,
    summary="A settlement statement as PDF",
    responses={(200, PDF): OpenApiTypes.BINARY, 404: NOT_FOUND},
    examples=[NOT_FOUND_EXAMPLE],
)
class PartnerStatementPdfApi(_StatementFileApi):
    kind = "pdf"


@extend_schema(
    tags=TAGS,
    summary="A settlement statement as CSV",
    description="The totals, a blank row, then one row per line.",
    responses={(200, CSV): OpenApiTypes.BINARY, 404: NOT_FOUND},
    examples=[NOT_FOUND_EXAMPLE],
)
class PartnerStatementCsvApi(_StatementFileApi):
    kind = "csv"
