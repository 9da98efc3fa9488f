"""Shapes of the partner's connector API (read-only: connectors are set up in the admin)."""

from rest_framework import serializers

from ..models import Connector, ConnectorRun


class ConnectorOutput(serializers.ModelSerializer):
    has_credentials = serializers.BooleanField(help_text="Whether credentials are stored (they are never shown).")

    class Meta:
        model = Connector
        fields = [
            "id",
            "name",
            "feed",
            "format",
            "endpoint",
            "records_path",
            "auth",
            "has_credentials",
            "field_mapping",
            "interval_minutes",
            "is_active",
            "next_run_at",
            "last_run_at",
        ]


class RowErrorOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="The record's index in the source (from 0).")
    code = serializers.CharField(help_text="Machine code, e.g. `customer_not_found`.")
    message = serializers.CharField()


class RunReportOutput(serializers.Serializer):
    import_status = serializers.CharField(help_text="The import's status: `pending`, `running`, `done` or `failed`.")
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    created_count = serializers.IntegerField(help_text="Rows imported (transactions) or customers enrolled.")
    duplicate_count = serializers.IntegerField(help_text="Rows already there (same external id, or known phone).")
    error_count = serializers.IntegerField()
    errors = RowErrorOutput(many=True)


class RunOutput(serializers.ModelSerializer):
    connector = serializers.IntegerField(source="connector_id")
    connector_name = serializers.CharField(source="connector.name")
    feed = serializers.CharField(source="connector.feed")
    import_id = serializers.IntegerField(
        source="batch_id", allow_null=True, help_text="The import (`/partner/imports/{id}/`) the transactions went to."
    )
    report = serializers.SerializerMethodField()

    class Meta:
        model = ConnectorRun
        fields = [
            "id",
            "connector",
            "connector_name",
            "feed",
            "trigger",
            "status",
            "started_at",
            "finished_at",
            "http_status",
            "fetched_rows",
            "error_code",
            "error",
            "import_id",
            "report",
        ]

    def get_report(self, run) -> RunReportOutput:
        return RunReportOutput(run.report()).data
