"""Groups: who a registration is for, and splitting a group that accepted it.

A registration is one unit on the waiting list and in the event's capacity: the
customer plus the named attendees (their children, or adults by name: family members
or colleagues), ``places`` people in all. A group that chose "split if needed" can be
given fewer places than it asked for: the people who fit stay on the registration, the
rest move to a new registration (``part_of`` the customer's own) that keeps the
group's place in the waiting list."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.accounts.models import Child

from ..errors import InvalidAttendees
from ..models import Registration, RegistrationAttendee
from ._common import Status

MAX_GROUP = 20


def attendees_resolve(customer, attendees) -> list[dict]:
    """The people of a group, the customer first: ``attendees`` are dicts with either
    ``child`` (the id of one of the customer's children) or ``name`` (an adult). Refuses
    with ``InvalidAttendees``: an unknown or someone else's child, a child or name
    given twice, an empty name, more than ``MAX_GROUP`` people."""
    people = [{"name": (customer.name or str(customer))[:255], "child": None, "is_customer": True}]
    attendees = list(attendees or [])
    if len(attendees) + 1 > MAX_GROUP:
        raise InvalidAttendees(
            ngettext(
                "A group can have at most %(n)s person.",
                "A group can have at most %(n)s people.",
                MAX_GROUP,
            )
            % {"n": MAX_GROUP},
            details={"field": "attendees"},
        )
    child_ids = [person["child"] for person in attendees if person.get("child") is not None]
    children = {child.pk: child for child in Child.objects.filter(parent=customer, is_active=True, pk__in=child_ids)}
    seen_children, seen_names = set(), {people[0]["name"].casefold()}
    for index, person in enumerate(attendees):
        child_id, name = person.get("child"), str(person.get("name") or "").strip()
        if child_id is not None and name:
            raise InvalidAttendees(
                _("Give either a child or a name for each person, not both."),
                details={"field": "attendees", "index": index},
            )
        if child_id is not None:
            child = children.get(child_id)
            if child is None:
                raise InvalidAttendees(
                    _("This child is not in your profile."), details={"field": "attendees", "index": index}
                )
            if child_id in seen_children:
                raise InvalidAttendees(
                    _("%(name)s is in the group twice.") % {"name": child.name},
                    details={"field": "attendees", "index": index},
                )
            seen_children.add(child_id)
            people.append({"name": child.name[:255], "child": child, "is_customer": False})
            continue
        if not name:
            raise InvalidAttendees(details={"field": "attendees", "index": index})
        if name.casefold() in seen_names:
            raise InvalidAttendees(
                _("%(name)s is in the group twice.") % {"name": name}, details={"field": "attendees", "index": index}
            )
        seen_names.add(name.casefold())
        people.append({"name": name[:255], "child": None, "is_customer": False})
    return people


def attendees_write(registration: Registration, people: list[dict]):
    """Replaces the attendees of ``registration`` (a new or reused row) with ``people``."""
    registration.attendees.all().delete()
    RegistrationAttendee.objects.bulk_create(
        RegistrationAttendee(
            registration=registration,
            name=person["name"],
            child=person["child"],
            is_customer=person["is_customer"],
            position=index,
        )
        for index, person in enumerate(people)
    )
    registration.places = len(people)


def active_attendees(registration: Registration) -> list[RegistrationAttendee]:
    return list(registration.attendees.filter(cancelled_at__isnull=True).order_by("position", "pk"))


def group_split(registration: Registration, *, keep: int, now) -> Registration:
    """Keeps the first ``keep`` people on ``registration`` (locked by the caller, on the
    waiting list or new) and moves the others to a new waiting registration, ``part_of``
    the customer's own, at the group's place in the list. Returns the new part."""
    people = active_attendees(registration)
    moving = people[keep:]
    part = Registration(
        event_id=registration.event_id,
        customer_id=registration.customer_id,
        status=Status.WAITLISTED,
        waitlisted_at=registration.waitlisted_at or now,
        places=len(moving),
        split_if_needed=True,
        part_of_id=registration.root_id,
    )
    part.save()
    RegistrationAttendee.objects.filter(pk__in=[person.pk for person in moving]).update(registration=part)
    registration.places = keep
    return part
