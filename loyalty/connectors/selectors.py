"""Reads of connectors and their runs, with their joins applied."""

from .models import Connector, ConnectorRun


def connector_list(*, merchant):
    return Connector.objects.filter(merchant=merchant).order_by("name", "pk")


def run_list(*, merchant, connector_id=None):
    runs = ConnectorRun.objects.filter(merchant=merchant).select_related("connector", "batch")
    if connector_id is not None:
        runs = runs.filter(connector_id=connector_id)
    return runs.order_by("-started_at", "-pk")


def run_get(*, merchant, pk) -> ConnectorRun:
    return run_list(merchant=merchant).get(pk=pk)
