"""Demo parks in Bishkek and Osh with hours, slots and a week of bookable capacity, priced
in KGS, their names, addresses, amenities and slot names in ru, ky and en. Idempotent:
parks are found by slug, slots by (park, code), capacity rows by (park, date, slot); a
text left empty (a database seeded before) is filled in, one already there stays."""

import datetime
from decimal import Decimal

from django.utils import timezone

from skypark.core.translated import by_language, fill_missing

from .models import WHOLE_DAY, OpeningHours, Park, SlotCapacity, TimeSlot
from .services import schedules_install

EVERY_DAY_10_TO_22 = [(d, datetime.time(10), datetime.time(22)) for d in range(7)]

SLOTS = {
    "morning": ("Утро", "Эртең менен", "Morning"),
    "afternoon": ("День", "Түштөн кийин", "Afternoon"),
    "evening": ("Вечер", "Кечинде", "Evening"),
}

PARKS = [
    {
        "slug": "skypark-asia-mall",
        **by_language("name", "Sky Park Азия Молл", "Sky Park Азия Молл", "Sky Park Asia Mall"),
        **by_language(
            "address",
            "Бишкек, пр. Чуй 3/1, ТРЦ «Азия Молл», 3 этаж",
            "Бишкек ш., Чүй пр. 3/1, «Азия Молл» соода борбору, 3-кабат",
            "Asia Mall, 3rd floor, 3/1 Chui Avenue, Bishkek",
        ),
        **by_language(
            "amenities",
            ["Батуты", "Лабиринт", "Кафе", "Гардероб"],
            ["Батуттар", "Лабиринт", "Кафе", "Кийим калтыруучу жай"],
            ["Trampolines", "Maze", "Café", "Cloakroom"],
        ),
        "capacity": 120,
        "price_under_3": Decimal("590"),
        "price_over_3": Decimal("790"),
        "lat": Decimal("42.87460000"),
        "lng": Decimal("74.59950000"),
        "hours": EVERY_DAY_10_TO_22,
        "slots": [
            ("morning", datetime.time(10), datetime.time(14)),
            ("afternoon", datetime.time(14), datetime.time(18)),
            ("evening", datetime.time(18), datetime.time(22)),
        ],
    },
    {
        "slug": "skypark-dordoi-plaza",
        **by_language("name", "Sky Park Дордой Плаза", "Sky Park Дордой Плаза", "Sky Park Dordoi Plaza"),
        **by_language(
            "address",
            "Бишкек, ул. Ибраимова 115, ТРЦ «Дордой Плаза»",
            "Бишкек ш., Ибраимов көч. 115, «Дордой Плаза» соода борбору",
            "Dordoi Plaza, 115 Ibraimov Street, Bishkek",
        ),
        **by_language(
            "amenities",
            ["Сухой бассейн с шариками", "Скалодром", "Комната для праздников"],
            ["Топчолор бассейни", "Аскага чыгуучу дубал", "Майрам бөлмөсү"],
            ["Ball pit", "Climbing wall", "Party room"],
        ),
        "capacity": 80,
        "price_under_3": Decimal("590"),
        "price_over_3": Decimal("790"),
        "lat": Decimal("42.87520000"),
        "lng": Decimal("74.61700000"),
        # Friday and Saturday nights run past midnight.
        "hours": [(d, datetime.time(10), datetime.time(21)) for d in range(4)]
        + [(4, datetime.time(10), datetime.time(1)), (5, datetime.time(10), datetime.time(1))]
        + [(6, datetime.time(10), datetime.time(20))],
        "slots": [],
    },
    {
        "slug": "skypark-osh",
        **by_language("name", "Sky Park Ош", "Sky Park Ош", "Sky Park Osh"),
        **by_language(
            "address",
            "Ош, ул. Курманжан Датки 271, ТРЦ «Ош Сити», 2 этаж",
            "Ош ш., Курманжан Датка көч. 271, «Ош Сити» соода борбору, 2-кабат",
            "Osh City mall, 2nd floor, 271 Kurmanjan Datka Street, Osh",
        ),
        **by_language(
            "amenities",
            ["Батуты", "Детское кафе", "Зона для малышей до 3 лет", "Парковка"],
            ["Батуттар", "Балдар кафеси", "3 жашка чейинки балдар үчүн аянтча", "Унаа токтотуучу жай"],
            ["Trampolines", "Kids' café", "Toddler area (under 3)", "Parking"],
        ),
        "capacity": 60,
        "price_under_3": Decimal("400"),
        "price_over_3": Decimal("550"),
        "lat": Decimal("40.52830000"),
        "lng": Decimal("72.79850000"),
        "hours": EVERY_DAY_10_TO_22,
        "slots": [
            ("morning", datetime.time(10), datetime.time(14)),
            ("afternoon", datetime.time(14), datetime.time(18)),
            ("evening", datetime.time(18), datetime.time(22)),
        ],
    },
]

TRANSLATED = ("name", "address", "amenities")


def _texts(spec) -> dict:
    return {key: value for key, value in spec.items() if key.rsplit("_", 1)[0] in TRANSLATED}


def seed(command):
    today = timezone.localdate()
    for spec in PARKS:
        spec = dict(spec)
        hours, slots = spec.pop("hours"), spec.pop("slots")
        park, created = Park.objects.get_or_create(slug=spec.pop("slug"), defaults=spec)
        fill_missing(park, **_texts(spec))
        for weekday, opens, closes in hours:
            OpeningHours.objects.get_or_create(park=park, weekday=weekday, defaults={"opens": opens, "closes": closes})
        for code, starts, ends in slots:
            names = by_language("name", *SLOTS[code])
            slot, _created = TimeSlot.objects.get_or_create(
                park=park, code=code, defaults={**names, "starts": starts, "ends": ends}
            )
            fill_missing(slot, **names)
        codes = list(park.slots.filter(is_active=True).values_list("code", flat=True)) or [WHOLE_DAY]
        open_days = set(park.hours.values_list("weekday", flat=True))
        for offset in range(7):
            day = today + datetime.timedelta(days=offset)
            if day.weekday() not in open_days:
                continue
            for code in codes:
                SlotCapacity.objects.get_or_create(park=park, date=day, slot=code, defaults={"capacity": park.capacity})
        if created:
            command.stdout.write(f"  Park: {park.name_en} ({park.price_over_3} KGS from 3 years)")
    schedules_install()
