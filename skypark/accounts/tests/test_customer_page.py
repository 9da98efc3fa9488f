"""The back-office customer page: one page with everything about one customer."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from skypark.accounts.tests.factories import ChildFactory, MembershipFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _page(customer):
    return reverse("admin:accounts_user_customer_page", args=[customer.pk])


def _give_everything(customer, n=1, merchant=None):
    """``n`` of every kind of row a customer can have, across every domain."""
    from bookings.models import Booking
    from bookings.tests.factories import SessionFactory
    from events.models import Registration
    from events.tests.factories import EventFactory
    from loyalty.tests.factories import give_points
    from skypark.commerce.tests.factories import paid_order
    from skypark.notify.tests.factories import NotificationFactory
    from skypark.parks.models import Ticket
    from skypark.parks.tests.factories import ParkFactory

    park = ParkFactory()
    for i in range(n):
        order = paid_order(customer)
        Ticket.objects.create(
            customer=customer,
            park=park,
            order=order,
            visit_date=timezone.localdate() + datetime.timedelta(days=i + 1),
            price=Decimal("790.00"),
        )
        Booking.objects.create(customer=customer, session=SessionFactory(), amount=Decimal("95.00"))
        Registration.objects.create(
            event=EventFactory(organiser=merchant),
            customer=customer,
            status=Registration._meta.get_field("status").choices[0][0],
        )
        ChildFactory(parent=customer)
        NotificationFactory(recipient=customer, kind=f"order.paid.{i}")
        give_points(customer, 10 + i)
        if merchant is not None:
            give_points(customer, 5, merchant=merchant)


def test_superuser_sees_every_panel_with_the_customers_rows(client):
    customer = UserFactory(name="Aigerim Customer", email="aigerim@example.kg")
    _give_everything(customer)
    other = UserFactory()
    _give_everything(other)
    client.force_login(StaffFactory())
    response = client.get(_page(customer))
    assert response.status_code == 200
    html = response.content.decode()
    keys = [p.key for p in response.context["panels"]]
    assert keys == [
        "orders",
        "tickets",
        "bookings",
        "registrations",
        "loyalty",
        "points-history",
        "children",
        "notifications",
        "audit",
    ]
    order = customer.orders.get()
    assert order.reference in html
    assert customer.park_tickets.get().backup_code_display in html
    assert customer.course_bookings.get().reference in html
    assert customer.event_registrations.get().backup_code in html
    assert customer.children.get().name in html
    from loyalty.models import Account

    balance = Account.objects.get(customer=customer, merchant=None).balance  # 10 given, plus the paid order's
    assert balance >= 10 and "Bonus balance" in html and f"<b>{balance}</b>" in html
    assert other.orders.get().reference not in html
    assert other.park_tickets.get().backup_code_display not in html
    audit = next(p for p in response.context["panels"] if p.key == "audit")
    assert audit.total >= 1


def test_queries_do_not_grow_with_the_rows(client, django_assert_max_num_queries):
    staff = StaffFactory()
    few, many = UserFactory(), UserFactory()
    _give_everything(few, 1)
    _give_everything(many, 12)
    client.force_login(staff)
    client.get(_page(few))  # warm the content-type cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(_page(few)).status_code == 200
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(_page(many))
    panels = {p.key: p for p in response.context["panels"]}
    assert panels["orders"].total == 12 and len(panels["orders"].rows) == 10 and panels["orders"].has_more


def test_links_from_the_changelist_and_the_change_form(client):
    customer = UserFactory()
    client.force_login(StaffFactory())
    changelist = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert f'href="{_page(customer)}"' in changelist
    change = client.get(reverse("admin:accounts_user_change", args=[customer.pk])).content.decode()
    assert f'href="{_page(customer)}"' in change


def _merchant_staff(membership):
    membership.user.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                "view_user",
                "view_account",
                "view_ledgerentry",
                "view_registration",
                "view_order",
                "view_ticket",
            ]
        )
    )
    return membership.user


def test_merchant_staff_see_only_their_customers_and_their_rows(client):
    from loyalty.tests.factories import give_points

    mine, theirs = MembershipFactory(), MembershipFactory()
    shared = UserFactory(name="Shared Customer")
    _give_everything(shared, merchant=mine.merchant)
    give_points(shared, 7, merchant=theirs.merchant)
    stranger = UserFactory(name="Their Customer")
    give_points(stranger, 9, merchant=theirs.merchant)
    staff = _merchant_staff(mine)
    client.force_login(staff)

    assert client.get(_page(stranger)).status_code == 404
    assert client.get(reverse("admin:accounts_user_change", args=[stranger.pk])).status_code in (302, 404)
    changelist = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Shared Customer" in changelist and "Their Customer" not in changelist

    response = client.get(_page(shared))
    assert response.status_code == 200
    panels = {p.key: p for p in response.context["panels"]}
    # rows without a merchant (orders, tickets) and personal data are not theirs to see
    assert set(panels) == {"registrations", "loyalty", "points-history"}
    account_names = [row[0].text for row in panels["loyalty"].rows]
    assert account_names == [mine.merchant.name]
    html = response.content.decode()
    assert theirs.merchant.name not in html
    assert shared.orders.first().reference not in html


def test_staff_without_view_permission_get_403(client):
    customer = UserFactory()
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(_page(customer)).status_code == 403


def test_orders_show_money_and_tickets_their_printed_code(client, settings):
    settings.LANGUAGE_CODE = "ru"
    customer = UserFactory()
    _give_everything(customer)
    order = customer.orders.get()
    order.total = Decimal("1580.00")
    order.currency = "KGS"
    order.save(update_fields=["total", "currency"])
    client.force_login(StaffFactory())
    html = client.get(_page(customer)).content.decode()
    orders = html.split('id="panel-orders"')[1].split("</table>")[0]
    assert "1\xa0580\xa0сом" in orders and "1580.00" not in orders
    ticket = customer.park_tickets.get()
    assert f">{ticket.backup_code_display}</a>" in html.split('id="panel-tickets"')[1].split("</table>")[0]
