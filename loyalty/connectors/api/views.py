"""The partner's CRM connectors and their runs over the API, read-only, of the key's own
merchant only (another merchant's run answers 404, as one that does not exist).
Connector runs import live data: a test key sees none."""

import django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import PartnerApiMixin
from skypark.core.errors import NotFound

from .. import selectors
from ..models import Connector, ConnectorRun
from . import serializers as s

TAGS = ["partner connectors"]

RUN = {
    "id": 31,
    "connector": 4,
    "connector_name": "Till CRM export",
    "feed": "transactions",
    "trigger": "schedule",
    "status": "done",
    "started_at": "2026-06-01T10:00:00+06:00",
    "finished_at": "2026-06-01T10:00:02+06:00",
    "http_status": 200,
    "fetched_rows": 2,
    "error_code": "",
    "error": "",
    "import_id": 77,
    "report": {
        "import_status": "done",
        "total_rows": 2,
        "processed_rows": 2,
        "created_count": 1,
        "duplicate_count": 0,
        "error_count": 1,
        "errors": [
            {"row": 1, "code": "customer_not_found", "message": "No customer with this customer_code or phone."}
        ],
    },
}
FAILED_RUN = {
    **RUN,
    "status": "failed",
    "http_status": None,
    "fetched_rows": 0,
    "error_code": "unsafe_url",
    "error": "The host crm.internal resolves to a private or reserved address; webhooks go only to public addresses.",
    "import_id": None,
    "report": {
        **RUN["report"],
        "import_status": "failed",
        "total_rows": 0,
        "processed_rows": 0,
        "created_count": 0,
        "error_count": 0,
        "errors": [],
    },
}


class _Mixin(PartnerApiMixin):
    def fake(self):
        return getattr(self, "swagger_fake_view", False) or self.is_test


class RunFilter(django_filters.FilterSet):
    connector = django_filters.NumberFilter(field_name="connector_id")
    status = django_filters.ChoiceFilter(choices=ConnectorRun.Status.choices)

    class Meta:
        model = ConnectorRun
        fields = []


class PartnerConnectorListApi(_Mixin, generics.ListAPIView):
    serializer_class = s.ConnectorOutput
    api_errors = ()

    def get_queryset(self):
        if self.fake():
            return Connector.objects.none()
        return selectors.connector_list(merchant=self.merchant)

    @extend_schema(
        tags=TAGS,
        summary="Your CRM connectors",
        description=(
            "The connectors that pull your CRM's export (JSON or CSV over HTTPS) on a schedule into imports. They are "
            "set up by network staff in the back-office; credentials are stored encrypted and never shown."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PartnerConnectorRunListApi(_Mixin, generics.ListAPIView):
    serializer_class = s.RunOutput
    filterset_class = RunFilter
    api_errors = ()

    def get_queryset(self):
        if self.fake():
            return ConnectorRun.objects.none()
        return selectors.run_list(merchant=self.merchant)

    @extend_schema(
        tags=TAGS,
        summary="Connector runs, newest first",
        description=(
            "Each run: what was fetched, why it failed (`error_code`: `unsafe_url`, `fetch_failed`, `invalid_json`, "
            "`invalid_csv`, `no_records`, `too_many_rows`, `credentials_unreadable`), and its row report — for "
            "transactions the import's (idempotent by `external_id`, so a re-run reports duplicates), for customers "
            "the run's own."
        ),
        examples=[OpenApiExample("A run with one bad row", value=RUN, response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PartnerConnectorRunDetailApi(_Mixin, APIView):
    api_errors = ()

    @extend_schema(
        tags=TAGS,
        summary="A connector run and its row report",
        responses={200: s.RunOutput, 404: OpenApiResponse(description="Not your run")},
        examples=[
            OpenApiExample("Imported with one bad row", value=RUN, response_only=True),
            OpenApiExample("Refused source", value=FAILED_RUN, response_only=True),
            OpenApiExample(
                "not_found",
                value={"error": {"code": "not_found", "message": "Not found."}},
                response_only=True,
                status_codes=["404"],
            ),
        ],
    )
    def get(self, request, pk):
        if self.fake():
            raise NotFound()
        try:
            run = selectors.run_get(merchant=self.merchant, pk=pk)
        except ConnectorRun.DoesNotExist:
            raise NotFound()
        return Response(s.RunOutput(run).data)
