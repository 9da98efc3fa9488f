import io

import pytest
from django.core.management import call_command

from bookings.models import Course, CourseSession, DiscountCode, Venue

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = (
        Course.objects.count(),
        Venue.objects.count(),
        CourseSession.objects.count(),
        DiscountCode.objects.count(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    again = (Course.objects.count(), Venue.objects.count(), CourseSession.objects.count(), DiscountCode.objects.count())
    assert counts == again == (3, 2, 12, 3)
    assert CourseSession.objects.filter(status=CourseSession.Status.PUBLISHED).count() == 12
    assert "Instructor login" in out.getvalue()


def test_seed_demo_on_a_later_day_skips_clashing_sessions(monkeypatch):
    import datetime

    from django.utils import timezone

    call_command("seed_demo", stdout=io.StringIO())
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    call_command("seed_demo", stdout=io.StringIO())
    assert CourseSession.objects.count() >= 12
