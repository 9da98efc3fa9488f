from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    related = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "related", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"type": {"type": "string", "example": "commerce.order"}, "id": {"type": "string"}},
        }
    )
    def get_related(self, obj):
        if not obj.content_type_id:
            return None
        return {"type": f"{obj.content_type.app_label}.{obj.content_type.model}", "id": obj.object_id}


class NotificationListQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class NotificationMarkReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=500
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if attrs.get("all") == bool(attrs.get("ids")):
            raise serializers.ValidationError(_('Send either "ids" (a non-empty list) or "all": true.'))
        return attrs


class NotificationMarkReadOutput(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many messages were newly marked read."))
    unread = serializers.IntegerField(help_text=_("How many unread messages are left."))
