"""Reading a customer's personal data from every app that holds some."""

from django.utils import timezone

from . import registry
from .models import OPEN_STATUSES, ErasureRequest

FORMAT_VERSION = 1


def personal_data_export(*, user) -> dict:
    """Everything the platform holds about ``user``, as JSON-safe data keyed by app."""
    return {
        "format": FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "customer_id": user.pk,
        "sections": {section.key: section.export(user) for section in registry.sections()},
    }


def personal_data_filename(*, user) -> str:
    return f"skypark-personal-data-{user.customer_code}-{timezone.localdate():%Y%m%d}.json"


def erasure_request_open(*, user):
    return ErasureRequest.objects.filter(user=user, status__in=OPEN_STATUSES).first()


def erasure_request_latest(*, user):
    return ErasureRequest.objects.filter(user=user).first()
