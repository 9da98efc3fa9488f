"""Selling park tickets at the desk to a customer who walks in without an account.

Park orders belong to a customer (``Order.customer`` and ``Ticket.customer`` are
required), and the whole checkout, the customer page, refunds and analytics rely on it.
Rather than weaken that for one channel, each desk has its own **walk-in account**: a
user created on the first walk-in sale, named "Walk-in · <desk code>", with a reserved
phone (``+000`` and the desk's id, never a real number), no e-mail, no usable password
and ``is_active`` off, so nobody can log in as it and no e-mail or SMS is ever sent to it
(the notifier skips inactive recipients). The cashier prints or shows the ticket instead.
When the customer gives a phone that belongs to an existing active customer, the order is
theirs (their tier discount applies and the ticket appears in their account); an unknown
phone falls back to the desk's walk-in account.

The sale itself is ``parks.services.ticket_order_create`` (the one park purchase service:
booking rules, pricing by age on the visit day, the capacity row's conditional UPDATE)
followed by ``services.desk_sale`` (the one checkout, the open shift, the drawer, the
fiscal receipt, the audit), all in one transaction: a refused payment sells nothing.
"""

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from skypark.accounts.models import User
from skypark.accounts.phones import normalise_phone
from skypark.parks.services import price_quote, ticket_order_create

from . import services
from .errors import ShiftNotOpen

WALK_IN_PHONE_PREFIX = "+000"


def walk_in_phone(desk) -> str:
    return f"{WALK_IN_PHONE_PREFIX}{desk.pk:09d}"


def walk_in_customer(desk) -> User:
    """The desk's walk-in account (created once, inactive, without a usable password)."""
    user, _created = User.objects.get_or_create(
        phone=walk_in_phone(desk),
        defaults={"name": f"Walk-in · {desk.code}", "is_active": False, "password": make_password(None)},
    )
    return user


def customer_by_phone(phone: str):
    """The active customer with this phone, or None (an empty or invalid phone too)."""
    if not (phone or "").strip():
        return None
    try:
        phone = normalise_phone(phone)
    except ValidationError:
        return None
    return User.objects.filter(phone=phone, is_active=True).first()


def visitors_from(ages, names) -> list[dict]:
    """``ages`` and optional ``names`` (same order) → the purchase service's guests."""
    names = list(names or [])
    return [
        {"name": (names[i] if i < len(names) and names[i] else f"#{i + 1}"), "age": age} for i, age in enumerate(ages)
    ]


def walk_in_quote(*, park, visit_date, ages, names=(), phone=""):
    customer = customer_by_phone(phone)
    return price_quote(park=park, visit_date=visit_date, visitors=visitors_from(ages, names), customer=customer)


@transaction.atomic
def walk_in_sale(*, shift, park, visit_date, slot, ages, names=(), phone="", how, actor, reference=""):
    """Sells tickets for ``ages`` at ``park`` on ``visit_date``/``slot`` and takes the
    payment at the desk (``how`` = ``cash`` or ``card``). Refuses without an open shift
    of ``actor`` before anything is reserved. Returns ``(ticket, movement)``."""
    if shift is None:
        raise ShiftNotOpen(_("Open a shift before selling."))
    services._shift_locked(shift, actor)  # refuses a closed shift or someone else's
    customer = customer_by_phone(phone) or walk_in_customer(shift.desk)
    ticket = ticket_order_create(
        customer=customer, park=park, visit_date=visit_date, slot=slot, visitors=visitors_from(ages, names)
    )
    movement = services.desk_sale(shift=shift, order=ticket.order, how=how, actor=actor, reference=reference)
    ticket.refresh_from_db()
    return ticket, movement
