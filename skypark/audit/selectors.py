from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry


def audit_entries_for(obj):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("-created_at", "-id")
