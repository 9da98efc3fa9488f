"""How the checkout's pages show the event registrations an order sold (see
``commerce.items``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from skypark.commerce.items import PurchasedItem

from .models import Registration


def registrations_describe(object_ids: list[str]) -> dict[str, PurchasedItem]:
    registrations = Registration.objects.filter(pk__in=[int(i) for i in object_ids if i.isdigit()]).select_related(
        "event", "customer"
    )
    return {
        str(registration.pk): PurchasedItem(
            title=registration.event.display_title,
            url=reverse("events:registration-detail", args=[registration.pk]),
            link_label=_("Open the registration"),
            when=registration.event.starts_at,
            place=registration.event.location,
            people=(registration.customer.name,) if registration.customer.name else (),
            status=registration.get_status_display(),
            reference=registration.backup_code_display,
            again_url=reverse("events:event-detail", args=[registration.event_id]),
        )
        for registration in registrations
    }
