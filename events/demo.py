"""Demo event types, the five badges with their levels, a fortnight of events (community
and merchant-organised, free and paid), and the periodic jobs. Idempotent: types and
badges are found by code, events by title and start day."""

import datetime
from decimal import Decimal

from django.utils import timezone

from skypark.accounts.models import Merchant

from .models import Badge, BadgeLevel, Event, EventType
from .services import schedules_install

TYPES = [
    ("trivia", "Квиз", "Викторина", "Trivia night"),
    ("workshop", "Мастер-класс", "Мастер-класс", "Workshop"),
    ("meetup", "Встреча", "Жолугушуу", "Meetup"),
    ("sport", "Спорт", "Спорт", "Sport"),
]

# code, rule, (ru, ky, en), category, icon, [(requirement, points) per level]
BADGES = [
    (
        "event-explorer",
        "event_explorer",
        ("Исследователь", "Изилдөөчү", "Event Explorer"),
        "participation",
        "🧭",
        [(2, 10), (3, 20), (4, 40), (6, 80), (8, 150)],
    ),
    (
        "consistent-attendee",
        "consistent_attendee",
        ("Постоянство", "Туруктуулук", "Consistent Attendee"),
        "streak",
        "🔥",
        [(2, 10), (4, 25), (8, 50), (12, 100), (26, 250)],
    ),
    (
        "social-butterfly",
        "social_butterfly",
        ("Душа компании", "Коомдун жаны", "Social Butterfly"),
        "social",
        "🦋",
        [(5, 10), (15, 25), (30, 50), (60, 100), (120, 200)],
    ),
    (
        "community-builder",
        "community_builder",
        ("Строитель сообщества", "Коомчулук куруучу", "Community Builder"),
        "social",
        "🏗️",
        [(1, 20), (3, 50), (5, 100), (10, 200), (20, 400)],
    ),
    (
        "trivia-master",
        "trivia_master",
        ("Мастер квизов", "Викторина чебери", "Trivia Master"),
        "achievement",
        "🏆",
        [(1, 20), (3, 50), (5, 100), (10, 200), (20, 400)],
    ),
]

DESCRIPTIONS = {
    "event_explorer": "Attend events of different types.",
    "consistent_attendee": "Attend at least one event every week.",
    "social_butterfly": "Meet other members at events.",
    "community_builder": "Bring friends who come to events.",
    "trivia_master": "Win trivia nights.",
}

# days from today, hour, type, (ru, en), place, capacity, price, points, organised by the first merchant
EVENTS = [
    (1, 19, "trivia", ("Квиз в Навигаторе", "Pub quiz at Navigator"), "Бишкек, кафе «Навигатор»", 40, "0", 20, False),
    (2, 11, "sport", ("Утренняя пробежка", "Morning run"), "Бишкек, парк Ататюрка", None, "0", 15, False),
    (3, 16, "workshop", ("Лепка из глины", "Clay modelling"), "Sky Park Азия Молл", 12, "900", 30, True),
    (6, 18, "meetup", ("Встреча родителей", "Parents' meetup"), "Бишкек, ЦУМ, 4 этаж", 25, "0", 10, False),
    (9, 19, "trivia", ("Семейный квиз", "Family quiz"), "Sky Park Дордой Плаза", 6, "300", 25, True),
]


def seed(command):
    types = {}
    for code, name, name_ky, name_en in TYPES:
        types[code], _created = EventType.objects.get_or_create(
            code=code, defaults={"name": name, "name_ky": name_ky, "name_en": name_en}
        )
    for code, rule, (name, name_ky, name_en), category, icon, levels in BADGES:
        badge, created = Badge.objects.get_or_create(
            code=code,
            defaults={
                "badge_type": rule,
                "name": name,
                "name_ky": name_ky,
                "name_en": name_en,
                "description_en": DESCRIPTIONS[rule],
                "category": category,
                "icon": icon,
            },
        )
        for level, (requirement, points) in enumerate(levels, start=1):
            BadgeLevel.objects.get_or_create(
                badge=badge, level=level, defaults={"requirement": requirement, "points": points}
            )
        if created:
            command.stdout.write(f"  Badge: {name_en}")
    merchant = Merchant.objects.order_by("pk").first()
    today = timezone.localdate()
    for days, hour, type_code, (title, title_en), place, capacity, price, points, organiser in EVENTS:
        day = today + datetime.timedelta(days=days)
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        _event, created = Event.objects.get_or_create(
            title=title,
            starts_at__date=day,
            defaults={
                "title_en": title_en,
                "event_type": types[type_code],
                "location": place,
                "starts_at": starts,
                "ends_at": starts + datetime.timedelta(hours=2),
                "capacity": capacity,
                "price": Decimal(price),
                "points_reward": points,
                "organiser": merchant if organiser else None,
                "status": Event.Status.PUBLISHED,
            },
        )
        if created:
            command.stdout.write(f"  Event: {title_en} on {day}")
    schedules_install()
