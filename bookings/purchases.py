"""How the checkout's pages show the course bookings an order sold (see
``commerce.items``)."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from skypark.commerce.items import PurchasedItem

from .models import Attendee, Booking


def bookings_describe(object_ids: list[str]) -> dict[str, PurchasedItem]:
    bookings = (
        Booking.objects.filter(pk__in=[int(i) for i in object_ids if i.isdigit()])
        .select_related("session__course", "session__venue")
        .prefetch_related(Prefetch("attendees", queryset=Attendee.objects.order_by("pk")))
    )
    return {
        str(booking.pk): PurchasedItem(
            title=booking.session.course.name,
            url=reverse("bookings:booking-detail", args=[booking.reference]),
            link_label=_("Open the booking"),
            when=booking.session.starts_at,
            place=f"{booking.session.venue.name}, {booking.session.venue.address}",
            people=tuple(attendee.name for attendee in booking.attendees.all()),
            status=booking.get_status_display(),
            reference=booking.reference,
            again_url=reverse("bookings:course-detail", args=[booking.session.course_id]),
        )
        for booking in bookings
    }
