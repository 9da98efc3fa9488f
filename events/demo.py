"""Demo event types, the five badges with their levels, events in Bishkek and Osh over the
next ten days (community and merchant-organised, free and paid in KGS), every text in ru,
ky and en, and the periodic jobs. Idempotent: types and badges are found by code, events
by Russian title and start day; a text left empty (a database seeded before) is filled
in, one already there stays."""

import datetime
from decimal import Decimal

from django.utils import timezone

from skypark.accounts.models import Merchant
from skypark.core.translated import by_language, fill_missing

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
    (
        "active-life",
        "active_life",
        ("Активная жизнь", "Активдүү жашоо", "Active Life"),
        "activity",
        "🌟",
        [(1, 10), (5, 30), (10, 60), (25, 120), (50, 250)],
    ),
]

DESCRIPTIONS = {
    "event_explorer": (
        "Посещайте события разных типов.",
        "Ар түрдүү иш-чараларга катышыңыз.",
        "Attend events of different types.",
    ),
    "consistent_attendee": (
        "Приходите хотя бы на одно событие каждую неделю.",
        "Ар жумада жок дегенде бир иш-чарага келиңиз.",
        "Attend at least one event every week.",
    ),
    "social_butterfly": (
        "Знакомьтесь с другими участниками на событиях.",
        "Иш-чараларда башка катышуучулар менен таанышыңыз.",
        "Meet other members at events.",
    ),
    "community_builder": (
        "Приводите друзей, которые тоже приходят на события.",
        "Иш-чараларга келген досторуңузду чакырыңыз.",
        "Bring friends who come to events.",
    ),
    "trivia_master": ("Побеждайте в квизах.", "Викториналарда жеңиңиз.", "Win trivia nights."),
    "active_life": (
        "Приходите в наши парки и заканчивайте курсы.",
        "Биздин парктарга келип, курстарды аяктаңыз.",
        "Visit our parks and complete courses.",
    ),
}

# days from today, hour, type, (ru, ky, en) title, (ru, ky, en) description, (ru, ky, en) place,
# capacity, price in KGS, points, organised by the first merchant
EVENTS = [
    (
        1,
        19,
        "trivia",
        ("Квиз в «Навигаторе»", "«Навигатордогу» викторина", "Pub quiz at Navigator"),
        (
            "Команды до шести человек, шесть раундов вопросов обо всём на свете.",
            "Алты кишиге чейинки командалар, ар кандай темадагы суроолордун алты айлампасы.",
            "Teams of up to six, six rounds of questions on everything under the sun.",
        ),
        ("Бишкек, кафе «Навигатор»", "Бишкек ш., «Навигатор» кафеси", "Navigator café, Bishkek"),
        40,
        "0",
        20,
        False,
    ),
    (
        2,
        8,
        "sport",
        ("Утренняя пробежка", "Эртең мененки чуркоо", "Morning run"),
        (
            "5 км в спокойном темпе, для любого уровня подготовки.",
            "Ар кандай даярдыктагылар үчүн жай темпте 5 км.",
            "5 km at an easy pace, for every level.",
        ),
        ("Бишкек, парк Ататюрка", "Бишкек ш., Ататүрк паркы", "Atatürk Park, Bishkek"),
        None,
        "0",
        15,
        False,
    ),
    (
        3,
        16,
        "workshop",
        ("Лепка из глины", "Чоподон буюм жасоо", "Clay modelling"),
        (
            "Для детей от 5 лет вместе с родителями; глина и глазурь включены в цену.",
            "5 жаштан жогорку балдар ата-энеси менен; чопо жана глазурь баасына кирет.",
            "For children from 5 with a parent; clay and glaze included.",
        ),
        ("Sky Park Азия Молл, Бишкек", "Sky Park Азия Молл, Бишкек ш.", "Sky Park Asia Mall, Bishkek"),
        12,
        "900",
        30,
        True,
    ),
    (
        4,
        8,
        "sport",
        ("Восхождение на Сулайман-Тоо", "Сулайман-Тоого чыгуу", "Sulaiman-Too hike"),
        (
            "Семейный подъём на священную гору Оша с рассказом гида; возьмите воду и удобную обувь.",
            "Оштун ыйык тоосуна гид менен үй-бүлөлүк чыгуу; суу жана ыңгайлуу бут кийим алыңыз.",
            "A family walk up Osh's sacred mountain with a guide; bring water and good shoes.",
        ),
        ("Ош, Сулайман-Тоо, главный вход", "Ош ш., Сулайман-Тоо, башкы кире бериш", "Sulaiman-Too, main gate, Osh"),
        30,
        "0",
        20,
        False,
    ),
    (
        5,
        12,
        "workshop",
        ("Мастер-класс по войлоку", "Кийиз жасоо боюнча чеберчилик сабагы", "Felt-making workshop"),
        (
            "Делаем маленький шырдак из войлока вместе с мастерицей из Оша.",
            "Ошлук чебер менен кийизден кичинекей шырдак жасайбыз.",
            "Make a small shyrdak felt mat with a craftswoman from Osh.",
        ),
        ("Sky Park Ош", "Sky Park Ош", "Sky Park Osh"),
        15,
        "600",
        30,
        True,
    ),
    (
        6,
        18,
        "meetup",
        ("Встреча родителей", "Ата-энелер жолугушуусу", "Parents' meetup"),
        (
            "Разговор за чаем о детском досуге в городе.",
            "Шаардагы балдардын эс алуусу тууралуу чай үстүндөгү маек.",
            "A chat over tea about things to do with children in the city.",
        ),
        ("Бишкек, ЦУМ, 4 этаж", "Бишкек ш., ЦУМ, 4-кабат", "TSUM department store, 4th floor, Bishkek"),
        25,
        "0",
        10,
        False,
    ),
    (
        9,
        19,
        "trivia",
        ("Семейный квиз", "Үй-бүлөлүк викторина", "Family quiz"),
        (
            "Вопросы для взрослых и детей, команда — одна семья.",
            "Чоңдор жана балдар үчүн суроолор, бир үй-бүлө — бир команда.",
            "Questions for grown-ups and children; one family, one team.",
        ),
        ("Sky Park Дордой Плаза, Бишкек", "Sky Park Дордой Плаза, Бишкек ш.", "Sky Park Dordoi Plaza, Bishkek"),
        6,
        "300",
        25,
        True,
    ),
]


def seed(command):
    types = {}
    for code, name, name_ky, name_en in TYPES:
        names = by_language("name", name, name_ky, name_en)
        types[code], _created = EventType.objects.get_or_create(code=code, defaults=names)
        fill_missing(types[code], **names)
    for code, rule, (name, name_ky, name_en), category, icon, levels in BADGES:
        texts = {**by_language("name", name, name_ky, name_en), **by_language("description", *DESCRIPTIONS[rule])}
        badge, created = Badge.objects.get_or_create(
            code=code, defaults={"badge_type": rule, "category": category, "icon": icon, **texts}
        )
        fill_missing(badge, **texts)
        for level, (requirement, points) in enumerate(levels, start=1):
            BadgeLevel.objects.get_or_create(
                badge=badge, level=level, defaults={"requirement": requirement, "points": points}
            )
        if created:
            command.stdout.write(f"  Badge: {name_en}")
    merchant = Merchant.objects.order_by("pk").first()
    today = timezone.localdate()
    for days, hour, type_code, titles, descriptions, places, capacity, price, points, organiser in EVENTS:
        day = today + datetime.timedelta(days=days)
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        texts = {
            **by_language("title", *titles),
            **by_language("description", *descriptions),
            **by_language("location", *places),
        }
        event, created = Event.objects.get_or_create(
            title_ru=titles[0],
            starts_at__date=day,
            defaults={
                **texts,
                "event_type": types[type_code],
                "starts_at": starts,
                "ends_at": starts + datetime.timedelta(hours=2),
                "capacity": capacity,
                "price": Decimal(price),
                "currency": "KGS",
                "points_reward": points,
                "organiser": merchant if organiser else None,
                "status": Event.Status.PUBLISHED,
            },
        )
        fill_missing(event, **texts)
        if created:
            command.stdout.write(f"  Event: {titles[2]} on {day}")
    schedules_install()
