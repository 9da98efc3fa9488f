"""Shapes of the partner's webhook API. Input serializers refuse unknown keys."""

from rest_framework import serializers

from skypark.core.api.serializers import StrictInput

from ..catalogue import events as catalogue_events
from ..models import WebhookDelivery, WebhookEndpoint

URL_MAX = WebhookEndpoint._meta.get_field("url").max_length
MAX_EVENTS = 50


class EventNameField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=60, **kwargs)

    def to_internal_value(self, data):
        name = super().to_internal_value(data)
        known = {event.name for event in catalogue_events()}
        if name not in known:
            raise serializers.ValidationError(f"Unknown event; one of: {', '.join(sorted(known))}.", code="invalid")
        return name


class EndpointOutput(serializers.ModelSerializer):
    secret_hint = serializers.SerializerMethodField(help_text="The start and end of the current signing secret.")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "secret_hint", "secret_previous_until", "created_at"]

    def get_secret_hint(self, endpoint) -> str:
        return f"{endpoint.secret[:6]}…{endpoint.secret[-4:]}" if endpoint.secret else ""


class EndpointWithSecretOutput(EndpointOutput):
    secret = serializers.CharField(
        help_text="The signing secret. Shown in this answer only: store it now (it is never shown again)."
    )

    class Meta(EndpointOutput.Meta):
        fields = [*EndpointOutput.Meta.fields, "secret"]


class EndpointCreateInput(StrictInput):
    url = serializers.CharField(max_length=URL_MAX, help_text="Where events are POSTed; https, a public address.")
    events = serializers.ListField(
        child=EventNameField(),
        max_length=MAX_EVENTS,
        required=False,
        default=list,
        help_text="Event names to receive; empty or absent for every event.",
    )


class EndpointUpdateInput(StrictInput):
    url = serializers.CharField(max_length=URL_MAX, required=False)
    events = serializers.ListField(child=EventNameField(), max_length=MAX_EVENTS, required=False)
    is_active = serializers.BooleanField(required=False)


class DeliveryOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "payload",
            "created_at",
            "delivered_at",
        ]
