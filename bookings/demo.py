"""Demo courses, venues, an instructor, four weeks of published sessions and discount
codes. Idempotent: everything is looked up by a natural key before it is created, and
sessions are scheduled through the service (so the demo respects the overlap rules)."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from skypark.accounts.models import User
from skypark.config.services import system_settings_seed

from . import services
from .errors import ScheduleClash
from .models import INSTRUCTORS_GROUP, Course, CourseSession, CourseType, DiscountCode, Venue

INSTRUCTOR_PHONE, INSTRUCTOR_PASSWORD = "+996700000301", "skypark-instructor-2026"

COURSES = [
    # name, type, hours, price, days of a session (hours per day)
    (
        "Emergency First Aid at Work",
        "EFAW",
        Decimal("6"),
        Decimal("85.00"),
        "One-day course for appointed first aiders.",
    ),
    (
        "First Aid at Work",
        "FAW",
        Decimal("18"),
        Decimal("225.00"),
        "Three-day course; runs as a block of six-hour days.",
    ),
    (
        "Paediatric First Aid",
        "Paediatric",
        Decimal("12"),
        Decimal("150.00"),
        "For nurseries, childminders and parents.",
    ),
]
VENUES = [
    {
        "name": "Leeds Training Centre",
        "address_line1": "14 Park Row",
        "city": "Leeds",
        "postcode": "LS1 5HD",
        "capacity": 16,
        "facilities": ["Projector", "Step-free access", "Kitchen"],
        "parking_info": "Pay and display on Park Square; Woodhouse Lane car park 5 minutes away.",
    },
    {
        "name": "London Bridge Rooms",
        "address_line1": "2 Tooley Street",
        "address_line2": "Second floor",
        "city": "London",
        "postcode": "SE1 2PF",
        "capacity": 12,
        "facilities": ["Projector", "Lift"],
        "parking_info": "No parking on site; London Bridge station is 3 minutes' walk.",
    },
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


def seed(command):
    out = command.stdout
    system_settings_seed()
    courses = []
    for name, type_code, hours, price, description in COURSES:
        course_type = CourseType.objects.get_or_create(code=type_code, defaults={"name": type_code})[0]
        course, _created = Course.objects.get_or_create(
            name=name,
            defaults={"course_type": course_type, "duration_hours": hours, "price": price, "description": description},
        )
        courses.append(course)
    venues = [Venue.objects.get_or_create(name=v["name"], defaults=v)[0] for v in VENUES]
    teacher = _instructor()

    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for week in range(4):
        for index, course in enumerate(courses):
            venue = venues[index % len(venues)]
            day = today + datetime.timedelta(days=7 * week + 2 + index)
            starts = datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=tz)
            ends = starts + datetime.timedelta(hours=int(min(course.duration_hours, 7)))
            if CourseSession.objects.filter(course=course, venue=venue, starts_at=starts).exists():
                continue
            try:
                services.session_create(
                    course=course,
                    venue=venue,
                    starts_at=starts,
                    ends_at=ends,
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
    out.write("  Course discount codes: WELCOME10, TEAM50 (from £300), NURSERY15 (Paediatric)")
