"""Demo first-aid courses: the UK company's courses in GBP at a Leeds venue, and Kyrgyz
courses in KGS at venues in Bishkek and Osh, every text in ru, ky and en; an instructor,
four weeks of published sessions and discount codes. Idempotent: everything is looked up
by a natural key (a code, or a name in any language) before it is created, a text left
empty is filled in and one already there stays, and sessions are scheduled through the
service (so the demo respects the overlap rules)."""

import datetime
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from skypark.accounts.models import User
from skypark.config.services import system_settings_seed
from skypark.core.translated import any_language, by_language, fill_missing

from . import services
from .errors import ScheduleClash
from .models import INSTRUCTORS_GROUP, Course, CourseSession, CourseType, DiscountCode, Venue

INSTRUCTOR_PHONE, INSTRUCTOR_PASSWORD = "+996700000301", "skypark-instructor-2026"

COURSE_TYPES = {
    "EFAW": (
        ("Экстренная первая помощь на работе", "Жумушта шашылыш биринчи жардам", "Emergency First Aid at Work"),
        (
            "Однодневный курс для назначенных ответственных за первую помощь.",
            "Биринчи жардамга дайындалган кызматкерлер үчүн бир күндүк курс.",
            "One-day HSE-approved course for appointed persons.",
        ),
    ),
    "FAW": (
        ("Первая помощь на работе", "Жумушта биринчи жардам", "First Aid at Work"),
        (
            "Трёхдневный курс для тех, кто оказывает первую помощь на работе.",
            "Жумуш ордунда биринчи жардам көрсөтүүчүлөр үчүн үч күндүк курс.",
            "Three-day HSE-approved course for workplace first aiders.",
        ),
    ),
    "Paediatric": (
        ("Первая помощь детям", "Балдарга биринчи жардам", "Paediatric First Aid"),
        (
            "Первая помощь для тех, кто заботится о младенцах и детях.",
            "Ымыркайларды жана балдарды караган адамдар үчүн биринчи жардам.",
            "First aid for those caring for babies and children.",
        ),
    ),
}

# key, type, hours, price, currency, (ru, ky, en) name, (ru, ky, en) description
COURSES = [
    (
        "uk-efaw",
        "EFAW",
        Decimal("6"),
        Decimal("85.00"),
        "GBP",
        (
            "Экстренная первая помощь на работе (Великобритания)",
            "Жумушта шашылыш биринчи жардам (Улуу Британия)",
            "Emergency First Aid at Work",
        ),
        (
            "Однодневный курс для назначенных ответственных за первую помощь, по требованиям HSE.",
            "Биринчи жардамга дайындалган кызматкерлер үчүн бир күндүк курс, HSE талаптары боюнча.",
            "One-day course for appointed first aiders, meeting the HSE requirements.",
        ),
    ),
    (
        "uk-faw",
        "FAW",
        Decimal("18"),
        Decimal("225.00"),
        "GBP",
        (
            "Первая помощь на работе (Великобритания)",
            "Жумушта биринчи жардам (Улуу Британия)",
            "First Aid at Work",
        ),
        (
            "Трёхдневный курс: три дня по шесть часов.",
            "Үч күндүк курс: күнүнө алты сааттан.",
            "Three-day course; runs as a block of six-hour days.",
        ),
    ),
    (
        "uk-paediatric",
        "Paediatric",
        Decimal("12"),
        Decimal("150.00"),
        "GBP",
        ("Первая помощь детям (Великобритания)", "Балдарга биринчи жардам (Улуу Британия)", "Paediatric First Aid"),
        (
            "Для детских садов, нянь и родителей; соответствует требованиям EYFS.",
            "Бала бакчалар, бала багуучулар жана ата-энелер үчүн; EYFS талаптарына ылайык.",
            "For nurseries, childminders and parents; meets the EYFS requirements.",
        ),
    ),
    (
        "kg-efaw",
        "EFAW",
        Decimal("6"),
        Decimal("3500.00"),
        "KGS",
        ("Первая помощь для сотрудников", "Кызматкерлер үчүн биринчи жардам", "First Aid for Employees"),
        (
            "Однодневный курс: сердечно-лёгочная реанимация, кровотечения, ожоги, вызов скорой (103).",
            "Бир күндүк курс: жүрөк-өпкө реанимациясы, кан агуу, күйүк, тез жардам чакыруу (103).",
            "One-day course: CPR, bleeding, burns and calling an ambulance (103).",
        ),
    ),
    (
        "kg-faw",
        "FAW",
        Decimal("18"),
        Decimal("9000.00"),
        "KGS",
        ("Первая помощь на производстве", "Өндүрүштө биринчи жардам", "Workplace First Aid (three days)"),
        (
            "Трёхдневный курс для ответственных за первую помощь на предприятии; экзамен в последний день.",
            "Ишканада биринчи жардамга жооптуулар үчүн үч күндүк курс; акыркы күнү сынак.",
            "Three-day course for the people responsible for first aid at a company; exam on the last day.",
        ),
    ),
    (
        "kg-paediatric",
        "Paediatric",
        Decimal("12"),
        Decimal("5500.00"),
        "KGS",
        (
            "Первая помощь детям: для родителей и воспитателей",
            "Балдарга биринчи жардам: ата-энелер жана тарбиячылар үчүн",
            "Paediatric First Aid for Parents and Carers",
        ),
        (
            "Удушье, высокая температура, травмы и аллергия у детей; практика на манекенах младенца и ребёнка.",
            "Балдардагы тумчугуу, жогорку температура, жаракат жана аллергия; ымыркай жана бала манекендеринде практика.",
            "Choking, fever, injuries and allergies in children; practice on infant and child manikins.",
        ),
    ),
]

# One UK venue for the GBP courses; Bishkek and Osh for the KGS ones.
VENUES = [
    {
        "key": "leeds",
        "timezone": "Europe/London",
        "city": "Leeds",
        "postcode": "LS1 5HD",
        "country": "GB",
        "capacity": 16,
        **by_language("name", "Учебный центр в Лидсе", "Лидстеги окуу борбору", "Leeds Training Centre"),
        **by_language("address_line1", "14 Park Row", "14 Park Row", "14 Park Row"),
        **by_language(
            "facilities",
            ["Проектор", "Вход без ступенек", "Кухня"],
            ["Проектор", "Тепкичсиз кире бериш", "Ашкана"],
            ["Projector", "Step-free access", "Kitchen"],
        ),
        **by_language(
            "parking_info",
            "Платная парковка на Park Square; парковка Woodhouse Lane в 5 минутах ходьбы.",
            "Park Square'де акы төлөнүүчү унаа токтотуучу жай; Woodhouse Lane токтотуучу жайы 5 мүнөттүк жерде.",
            "Pay and display on Park Square; Woodhouse Lane car park 5 minutes away.",
        ),
    },
    {
        "key": "bishkek",
        "timezone": "Asia/Bishkek",
        "city": "Бишкек",
        "postcode": "720040",
        "country": "KG",
        "capacity": 14,
        **by_language(
            "name", "Учебный центр Sky Park Бишкек", "Sky Park Бишкек окуу борбору", "Sky Park Bishkek Training Centre"
        ),
        **by_language(
            "address_line1",
            "ул. Токтогула 125, офис 301",
            "Токтогул көч. 125, 301-кеңсе",
            "125 Toktogul Street, office 301",
        ),
        **by_language(
            "facilities",
            ["Проектор", "Манекены взрослого, ребёнка и младенца", "Кулер с водой"],
            ["Проектор", "Чоң киши, бала жана ымыркай манекендери", "Суу кулери"],
            ["Projector", "Adult, child and infant manikins", "Water cooler"],
        ),
        **by_language(
            "parking_info",
            "Бесплатная парковка во дворе.",
            "Короодо акысыз унаа токтотуучу жай.",
            "Free parking in the courtyard.",
        ),
    },
    {
        "key": "osh",
        "timezone": "Asia/Bishkek",
        "city": "Ош",
        "postcode": "723500",
        "country": "KG",
        "capacity": 12,
        **by_language("name", "Учебный класс Sky Park Ош", "Sky Park Ош окуу классы", "Sky Park Osh Training Room"),
        **by_language(
            "address_line1", "ул. Ленина 312, 1 этаж", "Ленин көч. 312, 1-кабат", "312 Lenin Street, ground floor"
        ),
        **by_language(
            "facilities",
            ["Проектор", "Манекены"],
            ["Проектор", "Манекендер"],
            ["Projector", "Manikins"],
        ),
        **by_language(
            "parking_info",
            "Парковка у входа.",
            "Кире бериштин жанында унаа токтотуучу жай бар.",
            "Parking by the entrance.",
        ),
    },
]

# course key, venue key, day of the week's schedule (days from today)
# (First Aid at Work runs over three days and Paediatric over two, so a venue's courses
# follow one another.)
SCHEDULE = [
    ("uk-efaw", "leeds", 1),
    ("uk-faw", "leeds", 2),
    ("uk-paediatric", "leeds", 5),
    ("kg-efaw", "bishkek", 2),
    ("kg-paediatric", "bishkek", 3),
    ("kg-faw", "bishkek", 5),
    ("kg-efaw", "osh", 3),
    ("kg-paediatric", "osh", 5),
]
CODES = [
    {"code": "WELCOME10", "discount_type": "percentage", "discount_value": Decimal("10"), "usage_limit": 100},
    {
        "code": "TEAM50",
        "discount_type": "fixed",
        "discount_value": Decimal("50"),
        "min_purchase_amount": Decimal("300"),
    },
    {"code": "NURSERY15", "discount_type": "percentage", "discount_value": Decimal("15"), "course_type": "Paediatric"},
]


def _instructor():
    user = User.objects.filter(phone=INSTRUCTOR_PHONE).first()
    if user is None:
        user = User.objects.create_user(
            INSTRUCTOR_PHONE,
            INSTRUCTOR_PASSWORD,
            name="Sam Taylor",
            email="instructor@skypark.kg",
            is_staff=True,
            language="en",
        )
    user.groups.add(Group.objects.get_or_create(name=INSTRUCTORS_GROUP)[0])
    return user


def _course_types():
    types = {}
    for code, (names, descriptions) in COURSE_TYPES.items():
        texts = {**by_language("name", *names), **by_language("description", *descriptions)}
        types[code] = CourseType.objects.get_or_create(code=code, defaults=texts)[0]
        fill_missing(types[code], **texts)
    return types


def _find(model, names):
    """The demo object that has one of these names in any language (a database seeded
    before holds the old single-language name in the Russian column)."""
    query = Q()
    for name in names:
        query |= any_language("name", "exact", name)
    return model.objects.filter(query).order_by("pk").first()


def _courses(types):
    courses = {}
    for key, type_code, hours, price, currency, names, descriptions in COURSES:
        texts = {**by_language("name", *names), **by_language("description", *descriptions)}
        course = _find(Course, names)
        if course is None:
            course = Course.objects.create(
                course_type=types[type_code], duration_hours=hours, price=price, currency=currency, **texts
            )
        fill_missing(course, **texts)
        courses[key] = course
    return courses


def _venues():
    venues = {}
    for spec in VENUES:
        spec = dict(spec)
        key, zone = spec.pop("key"), spec.pop("timezone")
        texts = {k: v for k, v in spec.items() if k.rsplit("_", 1)[-1] in ("ru", "ky", "en")}
        venue = _find(Venue, [spec[f"name_{language}"] for language in ("ru", "ky", "en")])
        if venue is None:
            venue = Venue.objects.create(**spec, time_zone=zone)
        elif venue.time_zone != zone:
            Venue.objects.filter(pk=venue.pk).update(time_zone=zone)
        fill_missing(venue, **texts)
        venues[key] = (venue, ZoneInfo(zone))
    return venues


def _days(course, first_day, zone):
    """09:30 on the venue's clocks, up to six hours of teaching a day plus an hour for
    lunch: First Aid at Work (18 h) is three days 09:30–16:30."""
    count = math.ceil(course.duration_hours / 6)
    length = datetime.timedelta(hours=float(course.duration_hours / count) + 1)
    days = []
    for offset in range(count):
        starts = datetime.datetime.combine(
            first_day + datetime.timedelta(days=offset), datetime.time(9, 30), tzinfo=zone
        )
        days.append((starts, starts + length))
    return days


def seed(command):
    out = command.stdout
    system_settings_seed()
    types = _course_types()
    courses = _courses(types)
    venues = _venues()
    teacher = _instructor()

    today = timezone.localdate()
    for week in range(4):
        for index, (course_key, venue_key, offset) in enumerate(SCHEDULE):
            course, (venue, zone) = courses[course_key], venues[venue_key]
            day = today + datetime.timedelta(days=7 * week + offset)
            days = _days(course, day, zone)
            if CourseSession.objects.filter(course=course, venue=venue, starts_at=days[0][0]).exists():
                continue
            try:
                services.session_create(
                    course=course,
                    venue=venue,
                    days=days,
                    instructor=teacher if index == 0 else None,
                    status=CourseSession.Status.PUBLISHED,
                )
            except ScheduleClash:
                # Seeded on an earlier day: that day's sessions already hold the room.
                continue

    for spec in CODES:
        spec = dict(spec)
        type_code = spec.pop("course_type", None)
        DiscountCode.objects.get_or_create(
            code=spec.pop("code"),
            defaults={
                **spec,
                "course_type": CourseType.objects.filter(code=type_code).first() if type_code else None,
                "valid_from": today,
                "valid_until": today + datetime.timedelta(days=365),
                "description": "Demo code",
            },
        )
    services.schedules_install()
    out.write(f"  Instructor login: {INSTRUCTOR_PHONE} / {INSTRUCTOR_PASSWORD}   (roster pages under /courses/)")
    out.write("  Courses: Leeds in GBP; Bishkek and Osh in KGS")
    out.write("  Course discount codes: WELCOME10, TEAM50 (from 300), NURSERY15 (Paediatric)")
