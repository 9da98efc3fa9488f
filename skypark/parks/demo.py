"""Demo parks with hours, slots and a week of bookable capacity. Idempotent: parks are
found by slug, capacity rows by (park, date, slot)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from .models import WHOLE_DAY, OpeningHours, Park, SlotCapacity, TimeSlot
from .services import schedules_install

PARKS = [
    {
        "slug": "skypark-asia-mall",
        "name": "Sky Park Азия Молл",
        "name_ky": "Sky Park Азия Молл",
        "name_en": "Sky Park Asia Mall",
        "address": "Бишкек, пр. Чуй 3/1, ТРЦ Азия Молл, 3 этаж",
        "address_ky": "Бишкек, Чүй пр. 3/1, Азия Молл СБО, 3-кабат",
        "address_en": "Bishkek, Chui Ave 3/1, Asia Mall, 3rd floor",
        "capacity": 120,
        "lat": Decimal("42.87460000"),
        "lng": Decimal("74.59950000"),
        "amenities": ["Батуты", "Лабиринт", "Кафе", "Гардероб"],
        "hours": [(d, datetime.time(10), datetime.time(22)) for d in range(7)],
        "slots": [
            ("morning", "Утро", datetime.time(10), datetime.time(14)),
            ("afternoon", "День", datetime.time(14), datetime.time(18)),
            ("evening", "Вечер", datetime.time(18), datetime.time(22)),
        ],
    },
    {
        "slug": "skypark-dordoi-plaza",
        "name": "Sky Park Дордой Плаза",
        "name_ky": "Sky Park Дордой Плаза",
        "name_en": "Sky Park Dordoi Plaza",
        "address": "Бишкек, ул. Ибраимова 115, ТРЦ Дордой Плаза",
        "address_ky": "Бишкек, Ибраимов көч. 115, Дордой Плаза СБО",
        "address_en": "Bishkek, Ibraimov St 115, Dordoi Plaza",
        "capacity": 80,
        "lat": Decimal("42.87520000"),
        "lng": Decimal("74.61700000"),
        "amenities": ["Бассейн с шариками", "Скалодром", "Комната праздников"],
        # Friday and Saturday nights run past midnight.
        "hours": [(d, datetime.time(10), datetime.time(21)) for d in range(4)]
        + [(4, datetime.time(10), datetime.time(1)), (5, datetime.time(10), datetime.time(1))]
        + [(6, datetime.time(10), datetime.time(20))],
        "slots": [],
    },
]


def seed(command):
    today = timezone.localdate()
    for spec in PARKS:
        spec = dict(spec)
        hours, slots = spec.pop("hours"), spec.pop("slots")
        park, created = Park.objects.get_or_create(slug=spec.pop("slug"), defaults=spec)
        for weekday, opens, closes in hours:
            OpeningHours.objects.get_or_create(park=park, weekday=weekday, defaults={"opens": opens, "closes": closes})
        for code, name, starts, ends in slots:
            TimeSlot.objects.get_or_create(
                park=park, code=code, defaults={"name": name, "starts": starts, "ends": ends}
            )
        codes = list(park.slots.filter(is_active=True).values_list("code", flat=True)) or [WHOLE_DAY]
        open_days = set(park.hours.values_list("weekday", flat=True))
        for offset in range(7):
            day = today + datetime.timedelta(days=offset)
            if day.weekday() not in open_days:
                continue
            for code in codes:
                SlotCapacity.objects.get_or_create(park=park, date=day, slot=code, defaults={"capacity": park.capacity})
        if created:
            command.stdout.write(f"  Park: {park.name}")
    schedules_install()
