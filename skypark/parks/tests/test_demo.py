import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from skypark.parks import demo
from skypark.parks.models import Park, SlotCapacity, TimeSlot

pytestmark = pytest.mark.django_db


def test_demo_parks_are_idempotent_in_bishkek_and_osh_with_texts_in_three_languages():
    command = SimpleNamespace(stdout=io.StringIO())
    demo.seed(command)
    counts = (Park.objects.count(), TimeSlot.objects.count(), SlotCapacity.objects.count())
    demo.seed(command)
    assert (Park.objects.count(), TimeSlot.objects.count(), SlotCapacity.objects.count()) == counts
    assert counts[0] == 3
    osh = Park.objects.get(slug="skypark-osh")
    assert "Ош" in osh.address_ru and "Osh" in osh.address_en and "Ош ш." in osh.address_ky
    assert osh.price_over_3 == Decimal("550")
    for park in Park.objects.all():
        for field in ("name", "address", "amenities"):
            assert all(getattr(park, f"{field}_{language}") for language in ("ru", "ky", "en")), (park, field)
    afternoon = TimeSlot.objects.get(park__slug="skypark-asia-mall", code="afternoon")
    with translation.override("ky"):
        assert afternoon.name == "Түштөн кийин"
        assert Park.objects.get(slug="skypark-asia-mall").amenities[-1] == "Кийим калтыруучу жай"
    with translation.override("en"):
        assert afternoon.name == "Afternoon"
    with translation.override("ru"):
        assert afternoon.name == "День"
