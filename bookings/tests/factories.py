import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from bookings.models import INSTRUCTORS_GROUP, Course, CourseSession, CourseType, DiscountCode, SessionDay, Venue
from skypark.accounts.tests.factories import UserFactory


def course_type(code="EFAW"):
    return CourseType.objects.get_or_create(code=code, defaults={"name": code})[0]


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    name = factory.Sequence(lambda n: f"Emergency First Aid at Work {n}")
    course_type = factory.LazyFunction(course_type)
    duration_hours = Decimal("6.00")
    price = Decimal("100.00")
    max_capacity = 12
    certificate_validity_years = 3


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Training Centre {n}")
    address_line1 = "1 High Street"
    city = "Leeds"
    postcode = "LS1 4AP"
    capacity = 20


def instructor(**kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=INSTRUCTORS_GROUP)[0])
    return user


def in_days(days, hour=9):
    base = timezone.localtime() + datetime.timedelta(days=days)
    return base.replace(hour=hour, minute=0, second=0, microsecond=0)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseSession
        skip_postgeneration_save = True

    course = factory.SubFactory(CourseFactory)
    venue = factory.SubFactory(VenueFactory)
    starts_at = factory.Sequence(lambda n: in_days(10 + n))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=6))
    capacity = 12
    status = CourseSession.Status.PUBLISHED

    @factory.post_generation
    def days(session, create, extracted, **kwargs):
        """One day over the session's span (as the scheduling service writes it), or
        the ``days=[(start, end), ...]`` given."""
        if not create:
            return
        spans = extracted or [(session.starts_at, session.ends_at)]
        for start, end in spans:
            SessionDay.objects.create(
                session=session,
                starts_at=start,
                ends_at=end,
                venue=session.venue,
                instructor=session.instructor,
                is_live=session.status != CourseSession.Status.CANCELLED,
            )


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscountCode

    code = factory.Sequence(lambda n: f"SAVE{n}")
    discount_type = DiscountCode.Type.PERCENTAGE
    discount_value = Decimal("10")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
