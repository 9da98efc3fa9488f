"""Staff find the ticket, order, booking, registration and customer from what the
customer shows or says: the printed backup code in any spelling, a reference in any
case, the phone as people type it, and the name. Every search costs a constant number
of queries, whatever the number of rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from bookings.tests.factories import SessionFactory
from events.models import Registration
from events.tests.factories import EventFactory
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.tests.factories import OrderFactory
from skypark.parks.models import Ticket
from skypark.parks.tests.factories import ParkFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    "ticket": "admin:parks_ticket_changelist",
    "order": "admin:commerce_order_changelist",
    "booking": "admin:bookings_booking_changelist",
    "registration": "admin:events_registration_changelist",
    "customer": "admin:accounts_user_changelist",
}
PHONE_FORMS = ["0555 123 987", "555123987", "+996 555 123 987", "996555123987", "+996-555-12-39-87"]
NAME_FORMS = ["Aida", "bekova", "Aida Bekova", "BEKOVA AIDA"]


def _holdings(customer, *, ticket_code, registration_code, booking_reference, order_reference):
    order = OrderFactory(customer=customer, reference=order_reference)
    ticket = Ticket.objects.create(
        customer=customer,
        park=ParkFactory(),
        order=order,
        visit_date=timezone.localdate(),
        price=Decimal("790.00"),
        backup_code=ticket_code,
        status=Ticket.Status.ACTIVE,
        children_data=[{"name": "Dana", "age": 5}],
    )
    registration = Registration.objects.create(
        event=EventFactory(),
        customer=customer,
        order=order,
        status=Registration.Status.CONFIRMED,
        backup_code=registration_code,
    )
    booking = Booking.objects.create(
        customer=customer,
        session=SessionFactory(),
        order=order,
        reference=booking_reference,
        unit_price=Decimal("90.00"),
        amount=Decimal("90.00"),
    )
    return {"ticket": ticket, "order": order, "booking": booking, "registration": registration, "customer": customer}


@pytest.fixture
def aida():
    customer = UserFactory(phone="+996555123987", name="Aida Bekova", email="Aida.Bekova@example.kg")
    return _holdings(
        customer,
        ticket_code="65BFWPKV",
        registration_code="7QX2MN4R",
        booking_reference="RF-K2M9P8H3",
        order_reference="SP-8H3K2M9P",
    )


@pytest.fixture
def someone_else():
    customer = UserFactory(phone="+996700111222", name="Timur Asanov")
    return _holdings(
        customer,
        ticket_code="ZZZZ1111",
        registration_code="YYYY2222",
        booking_reference="RF-XXXX3333",
        order_reference="SP-WWWW4444",
    )


def _found(client, what, term):
    response = client.get(reverse(CHANGELISTS[what]), {"q": term})
    assert response.status_code == 200, response.content[:500]
    return {row.pk for row in response.context["cl"].result_list}


BACKUP_CODE_FORMS = ["65BF-WPKV", "65bf-wpkv", "65BFWPKV", " 65bf wpkv ", "65BF WPKV", "65Bf-wPkV", "65bf\u2013wpkv"]


@pytest.mark.parametrize("what", ["ticket", "order", "customer"])
@pytest.mark.parametrize("term", BACKUP_CODE_FORMS)
def test_the_printed_ticket_backup_code_finds_the_ticket_its_order_and_customer(
    admin_client_logged, aida, someone_else, what, term
):
    assert _found(admin_client_logged, what, term) == {aida[what].pk}


@pytest.mark.parametrize("what", ["registration", "booking"])
def test_a_ticket_backup_code_finds_no_other_kind_of_holding(admin_client_logged, aida, what):
    assert _found(admin_client_logged, what, "65BF-WPKV") == set()


@pytest.mark.parametrize("what", ["registration", "order", "customer"])
@pytest.mark.parametrize("term", ["7QX2-MN4R", "7qx2mn4r", "7qx2 mn4r"])
def test_the_registration_code_in_any_case_finds_it_its_order_and_customer(
    admin_client_logged, aida, someone_else, what, term
):
    assert _found(admin_client_logged, what, term) == {aida[what].pk}


@pytest.mark.parametrize("what", ["booking", "order", "customer"])
@pytest.mark.parametrize("term", ["RF-K2M9P8H3", "rf-k2m9p8h3", "rfk2m9p8h3", "RF K2M9 P8H3", "rf\u2013k2m9p8h3"])
def test_the_booking_reference_in_any_case_finds_it_its_order_and_customer(
    admin_client_logged, aida, someone_else, what, term
):
    assert _found(admin_client_logged, what, term) == {aida[what].pk}


@pytest.mark.parametrize("what", CHANGELISTS)
@pytest.mark.parametrize("term", ["SP-8H3K2M9P", "sp-8h3k2m9p", "sp8h3k2m9p"])
def test_the_order_reference_in_any_case_finds_the_order_and_what_it_holds(
    admin_client_logged, aida, someone_else, what, term
):
    assert _found(admin_client_logged, what, term) == {aida[what].pk}


@pytest.mark.parametrize("what", CHANGELISTS)
@pytest.mark.parametrize("term", PHONE_FORMS)
def test_a_phone_as_people_type_it_finds_everything_of_that_customer(
    admin_client_logged, aida, someone_else, what, term
):
    assert _found(admin_client_logged, what, term) == {aida[what].pk}


@pytest.mark.parametrize("what", CHANGELISTS)
@pytest.mark.parametrize("term", NAME_FORMS)
def test_the_customer_name_first_last_or_full_finds_everything_of_that_customer(
    admin_client_logged, aida, someone_else, what, term
):
    assert _found(admin_client_logged, what, term) == {aida[what].pk}


@pytest.mark.parametrize("what", ["customer", "order", "ticket"])
def test_the_customer_email_in_any_case_finds_the_customer(admin_client_logged, aida, someone_else, what):
    assert _found(admin_client_logged, what, "aida.bekova@EXAMPLE.kg") == {aida[what].pk}


@pytest.mark.parametrize("what", CHANGELISTS)
@pytest.mark.parametrize("term", ["NOSUCH99", "0700 999 999", "Zhyldyz", "x"])
def test_a_term_that_matches_nobody_finds_nothing(admin_client_logged, aida, what, term):
    assert _found(admin_client_logged, what, term) == set()


def test_the_search_box_says_what_can_be_typed(admin_client_logged):
    response = admin_client_logged.get(reverse(CHANGELISTS["ticket"]))
    assert 'name="q"' in response.content.decode()
    assert "Backup code, order reference, phone or customer name." in response.content.decode()


def _queries(client, url, term):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"q": term})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("what", CHANGELISTS)
@pytest.mark.parametrize("term", ["65bf-wpkv", "0555 123 987", "Bekova", "sp-8h3k2m9p"])
def test_a_search_runs_the_same_number_of_queries_however_many_rows_match_or_exist(
    admin_client_logged, aida, what, term
):
    url = reverse(CHANGELISTS[what])
    _queries(admin_client_logged, url, term)  # warm: content types, permissions
    few = _queries(admin_client_logged, url, term)
    customer = aida["customer"]
    for n in range(6):
        _holdings(
            customer,
            ticket_code=f"A{n}AAAAAA",
            registration_code=f"B{n}BBBBBB",
            booking_reference=f"RF-C{n}CCCCCC",
            order_reference=f"SP-D{n}DDDDDD",
        )
        other = UserFactory(name=f"Bekova {n}")
        _holdings(
            other,
            ticket_code=f"E{n}EEEEEE",
            registration_code=f"F{n}FFFFFF",
            booking_reference=f"RF-G{n}GGGGGG",
            order_reference=f"SP-H{n}HHHHHH",
        )
    assert _queries(admin_client_logged, url, term) == few


def test_autocomplete_of_customers_takes_a_typed_phone(admin_client_logged, aida):
    response = admin_client_logged.get(
        reverse("admin:autocomplete"),
        {"term": "0555 123 987", "app_label": "accounts", "model_name": "child", "field_name": "parent"},
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(aida["customer"].pk)]
