import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from skypark.accounts.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _links(response, title):
    spec = next(s for s in response.context["cl"].filter_specs if str(s.title) == title)
    return {str(c["display"]): c["query_string"] for c in spec.choices(response.context["cl"])}


def test_upcoming_date_filter_on_a_date_field(client):
    from skypark.parks.models import SlotCapacity
    from skypark.parks.tests.factories import ParkFactory

    park = ParkFactory()
    today = timezone.localdate()
    for days in (-3, 0, 1, 5, 40):
        SlotCapacity.objects.create(
            park=park, date=today + datetime.timedelta(days=days), slot="whole_day", capacity=10
        )
    client.force_login(StaffFactory())
    url = reverse("admin:parks_slotcapacity_changelist")
    links = _links(client.get(url), "date")
    assert list(links)[:7] == ["Any date", "Today", "Tomorrow", "Next 7 days", "This month", "Later", "Past"]

    def dates(label):
        cl = client.get(url + links[label]).context["cl"]
        return sorted((row.date - today).days for row in cl.queryset)

    assert dates("Today") == [0]
    assert dates("Tomorrow") == [1]
    assert dates("Next 7 days") == [0, 1, 5]
    assert dates("Later") == [40]
    assert dates("Past") == [-3]
    month = dates("This month")
    assert all((today + datetime.timedelta(days=d)).month == today.month for d in month) and 0 in month


def test_upcoming_date_filter_on_a_datetime_field(client):
    from bookings.tests.factories import SessionFactory, in_days

    for days in (-2, 0, 3):
        SessionFactory(starts_at=in_days(days, hour=23 if days == 0 else 9))
    client.force_login(StaffFactory())
    url = reverse("admin:bookings_coursesession_changelist")
    links = _links(client.get(url), "starts")
    today = timezone.localdate()

    def days(label):
        cl = client.get(url + links[label]).context["cl"]
        return sorted((timezone.localtime(s.starts_at).date() - today).days for s in cl.queryset)

    assert days("Today") == [0]
    assert days("Next 7 days") == [0, 3]
    assert days("Past") == [-2]
