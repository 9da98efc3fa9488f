"""Shared by the parks scenarios (buy, oversell, gate, double-admit): seeding through
the parks models and set-based SQL, and reading the outcome back from the database.
Every function here runs inside Django (``bench.djstep``)."""

import datetime

GUEST = {"name": "Guest", "age": 5}


def park_create(capacity: int) -> dict:
    """A park open every day, with no slots (whole-day capacity = the park's)."""
    from skypark.parks.tests.factories import ParkFactory

    park = ParkFactory(capacity=capacity)
    return {"slug": park.slug, "id": park.pk}


def customers_insert(count: int, prefix: str):
    """``count`` customers inserted with one statement (phone ``prefix`` + 6 digits,
    customer code the prefix's last three digits + 8 digits); returns them by id."""
    from django.contrib.auth import get_user_model

    from bench.sql import insert_series

    user_model = get_user_model()
    insert_series(
        user_model,
        count,
        {
            "password": "'!'",
            "phone": f"'{prefix}' || lpad(i::text, 6, '0')",
            "customer_code": f"'{prefix[-3:]}' || lpad(i::text, 8, '0')",
            "name": "'Buyer ' || i",
            "date_joined": "now()",
            "updated_at": "now()",
        },
    )
    return user_model.objects.filter(phone__startswith=prefix).order_by("pk")


def customers_tokens(count: int, prefix: str) -> list[str]:
    """``count`` customers (``customers_insert``) and a JWT access token for each (minted
    directly: logging 500 people in would benchmark the password hasher)."""
    from rest_framework_simplejwt.tokens import AccessToken

    return [str(AccessToken.for_user(user)) for user in customers_insert(count, prefix)]


def gate_staff_token() -> str:
    """A staff member with only the gate permission, the way gate devices sign in."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from rest_framework_simplejwt.tokens import AccessToken

    staff = get_user_model().objects.create_user("+996555888888", None, name="Gate device", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="parks", codename="change_ticket"))
    return str(AccessToken.for_user(staff))


def tickets_issue(park_id: int, count: int, day: datetime.date) -> list[str]:
    """``count`` paid single tickets for one guest each, valid on ``day``, with their
    signed QR codes. The ids are drawn from the sequence first so each code can be
    signed before the rows go in with one bulk insert."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection

    from skypark.commerce import qr
    from skypark.parks.models import Ticket

    owner = get_user_model().objects.create_user("+996555777777", None, name="Ticket owner")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Ticket._meta.db_table, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    tickets = [
        Ticket(
            pk=pk,
            customer=owner,
            park_id=park_id,
            visit_date=day,
            status=Ticket.Status.ACTIVE,
            price=Decimal("790.00"),
            children_data=[{**GUEST, "child_id": None, "price": "790.00"}],
            qr_code=qr.code_issue("ticket", pk),
        )
        for pk in ids
    ]
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    return [t.qr_code for t in tickets]


def today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def sold(park_id: int, day: str) -> dict:
    """What the database says was sold: the capacity row and the tickets behind it."""
    from skypark.parks.models import SlotCapacity, Ticket

    row = SlotCapacity.objects.filter(park_id=park_id, date=day).first()
    return {
        "capacity": row.capacity if row else None,
        "sold": row.sold if row else 0,
        "tickets": Ticket.objects.filter(park_id=park_id, visit_date=day).count(),
    }


def admitted(park_id: int) -> dict:
    """Entries as the database records them."""
    from django.db.models import Count

    from skypark.parks.models import Park, ParkVisit, Ticket

    per_ticket = ParkVisit.objects.filter(park_id=park_id).values("ticket").annotate(n=Count("id"))
    return {
        "visits": ParkVisit.objects.filter(park_id=park_id).count(),
        "tickets_entered_twice": per_ticket.filter(n__gt=1).count(),
        "tickets_used": Ticket.objects.filter(park_id=park_id, status=Ticket.Status.USED).count(),
        "occupancy": Park.objects.get(pk=park_id).current_occupancy,
    }
