import datetime

import factory
from django.utils import timezone

from skypark.parks.models import OpeningHours, Park, TimeSlot


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park
        skip_postgeneration_save = True
        rename = {"name": "name_ru", "address": "address_ru"}  # the plain name is the Russian one

    slug = factory.Sequence(lambda n: f"park-{n}")
    name_ru = factory.Sequence(lambda n: f"Парк {n}")
    name_en = factory.Sequence(lambda n: f"Park {n}")
    address_ru = "Бишкек, пр. Чуй 1"
    capacity = 50

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        """Open every day 10:00–22:00 unless ``hours=[(weekday, opens, closes), ...]``."""
        if not create:
            return
        rows = extracted if extracted is not None else [(d, datetime.time(10), datetime.time(22)) for d in range(7)]
        for weekday, opens, closes in rows:
            OpeningHours.objects.create(park=obj, weekday=weekday, opens=opens, closes=closes)


class TimeSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeSlot

    park = factory.SubFactory(ParkFactory)
    code = factory.Sequence(lambda n: f"slot{n}")
    name = "Morning"
    starts = datetime.time(10)
    ends = datetime.time(14)


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)
