import io
from decimal import Decimal

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
    assert counts == again == (6, 3, 32, 3)
    assert CourseSession.objects.filter(status=CourseSession.Status.PUBLISHED).count() == 32
    assert "Instructor login" in out.getvalue()


def test_seed_demo_prices_uk_courses_in_gbp_at_leeds_and_kyrgyz_ones_in_kgs_in_bishkek_and_osh():
    call_command("seed_demo", stdout=io.StringIO())
    sessions = CourseSession.objects.select_related("course", "venue")
    by_city = {}
    for session in sessions:
        by_city.setdefault(session.venue.city, set()).add(session.course.currency)
    assert by_city == {"Leeds": {"GBP"}, "Бишкек": {"KGS"}, "Ош": {"KGS"}}
    leeds = Venue.objects.get(city="Leeds")
    assert (leeds.country, leeds.postcode) == ("GB", "LS1 5HD")
    assert set(Venue.objects.exclude(pk=leeds.pk).values_list("country", flat=True)) == {"KG"}
    faw = Course.objects.get(name_en="First Aid at Work")
    assert (faw.price, faw.currency) == (Decimal("225.00"), "GBP")
    kyrgyz = Course.objects.get(name_en="First Aid for Employees")
    assert (kyrgyz.price, kyrgyz.currency) == (Decimal("3500.00"), "KGS")
    assert kyrgyz.name_ru == "Первая помощь для сотрудников"
    assert kyrgyz.name_ky == "Кызматкерлер үчүн биринчи жардам"
    for course in Course.objects.all():
        assert course.name_ru and course.name_ky and course.name_en
        assert course.description_ru and course.description_ky and course.description_en
    bishkek = Venue.objects.get(city="Бишкек")
    assert bishkek.facilities_ky == ["Проектор", "Чоң киши, бала жана ымыркай манекендери", "Суу кулери"]
    assert bishkek.parking_info_en == "Free parking in the courtyard."


def test_seed_demo_fills_translations_missing_from_an_older_seed_and_keeps_edits():
    call_command("seed_demo", stdout=io.StringIO())
    course = Course.objects.get(name_en="Paediatric First Aid")
    Course.objects.filter(pk=course.pk).update(name_ky=None, description_ru="Изменено сотрудником")
    call_command("seed_demo", stdout=io.StringIO())
    course.refresh_from_db()
    assert course.name_ky == "Балдарга биринчи жардам (Улуу Британия)"
    assert course.description_ru == "Изменено сотрудником"


def test_seed_demo_on_a_later_day_skips_clashing_sessions(monkeypatch):
    import datetime

    from django.utils import timezone

    call_command("seed_demo", stdout=io.StringIO())
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    call_command("seed_demo", stdout=io.StringIO())
    assert CourseSession.objects.count() >= 12
