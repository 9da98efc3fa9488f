import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from events.models import Badge, BadgeLevel, Event, EventType


class EventTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventType
        django_get_or_create = ("code",)
        rename = {"name": "name_ru"}  # the plain name is the Russian one

    code = factory.Sequence(lambda n: f"type-{n}")
    name_ru = factory.Sequence(lambda n: f"Тип {n}")
    name_en = factory.Sequence(lambda n: f"Type {n}")


class EventFactory(factory.django.DjangoModelFactory):
    """A published free event tomorrow evening, 2 hours long."""

    class Meta:
        model = Event
        rename = {"title": "title_ru", "description": "description_ru", "location": "location_ru"}

    title_ru = factory.Sequence(lambda n: f"Событие {n}")
    title_en = factory.Sequence(lambda n: f"Event {n}")
    event_type = factory.SubFactory(EventTypeFactory)
    location_ru = "Бишкек, Парк Панфилова"
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + datetime.timedelta(hours=2))
    capacity = 10
    price = Decimal("0")
    points_reward = 10
    status = Event.Status.PUBLISHED


def badge(rule, requirements, *, points=None, code=None):
    """A badge for ``rule`` with levels 1.. whose requirements are ``requirements``;
    each level earns ``points[i]`` (10 × level by default)."""
    item = Badge.objects.create(code=code or rule.replace("_", "-"), name_ru=rule, name_en=rule, badge_type=rule)
    for index, requirement in enumerate(requirements, start=1):
        BadgeLevel.objects.create(
            badge=item,
            level=index,
            requirement=requirement,
            points=(points or [10 * n for n in range(1, 6)])[index - 1],
        )
    return item
