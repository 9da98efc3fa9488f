import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from bookings.models import Attendee, Booking, Certificate
from loyalty.models import Account
from skypark.accounts.models import Child
from skypark.audit.models import AuditEntry
from skypark.commerce.models import Order, OrderLine
from skypark.notify.models import Notification
from skypark.parks.models import Ticket
from skypark.privacy import services
from skypark.privacy.models import ErasureRequest
from skypark.privacy.selectors import personal_data_export

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def ask_for_erasure(client, django_capture_on_commit_callbacks, password=PASSWORD):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("privacy:erase"), {"password": password, "understood": "on"})


def test_erasure_anonymises_every_personal_field_and_keeps_the_books(
    client, make_customer, django_capture_on_commit_callbacks
):
    me = make_customer(name="Aigerim Toktosunova", child_name="Nurlan", email="aigerim@example.kg")
    old_phone = me.phone
    refresh = RefreshToken.for_user(me)
    totals = {o.pk: (o.subtotal, o.total, o.refunded_total) for o in Order.objects.filter(customer=me)}
    balances = {a.pk: a.balance for a in Account.objects.filter(customer=me)}
    assert totals and balances
    client.force_login(me)

    response = ask_for_erasure(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == reverse("privacy:erasure-done")
    me.refresh_from_db()
    assert me.name == f"Deleted customer #{me.pk}"
    assert me.phone == f"+000{me.pk:012d}"
    assert me.email == f"deleted-{me.pk}@erased.invalid"
    assert me.birth_date is None
    assert not me.has_usable_password()
    assert not me.is_active
    assert not Child.objects.filter(parent=me).exists()
    ticket = Ticket.objects.get(customer=me)
    assert [child["name"] for child in ticket.children_data] == ["—"] and ticket.notes == ""
    assert not OrderLine.objects.filter(order__customer=me, description__contains="Nurlan").exists()
    for message in Notification.objects.filter(recipient=me):
        assert (message.to_address, message.subject, message.body, message.attachments) == (
            "",
            "[erased]",
            "[erased]",
            [],
        )
    assert Booking.objects.get(customer=me).notes == ""
    assert list(Attendee.objects.filter(booking__customer=me).values_list("name", "email")) == [(me.name, "")]
    assert list(Certificate.objects.filter(booking__customer=me).values_list("learner_name", "learner_email")) == [
        (me.name, "")
    ]
    text = json.dumps(personal_data_export(user=me), ensure_ascii=False)
    for gone in ("Aigerim", "Toktosunova", "Nurlan", "aigerim@example.kg", old_phone):
        assert gone not in text

    # The books are as they were.
    assert {o.pk: (o.subtotal, o.total, o.refunded_total) for o in Order.objects.filter(customer=me)} == totals
    assert {a.pk: a.balance for a in Account.objects.filter(customer=me)} == balances
    call_command("loyalty_verify")
    assert AuditEntry.objects.filter(action="privacy.customer.erased", object_id=str(me.pk)).count() == 1
    assert ErasureRequest.objects.get(user=me).status == ErasureRequest.Status.COMPLETED

    # Signed out, cannot sign in again, not found by phone, tokens refused.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("privacy:my-data")).status_code == 302
    assert not get_user_model().objects.filter(phone=old_phone).exists()
    login = client.post(reverse("accounts:login"), {"username": old_phone, "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in client.session
    api = APIClient()
    assert api.post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)}, format="json").status_code == 401
    assert api.post("/api/v1/auth/token/", {"phone": old_phone, "password": PASSWORD}, format="json").status_code in (
        400,
        401,
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert api.get("/api/v1/me/data/").status_code == 401


def test_erasure_is_idempotent(make_customer):
    me = make_customer()
    assert services.customer_erase(user=me) is True
    me.refresh_from_db()
    row = get_user_model().objects.filter(pk=me.pk).values().get()

    assert services.customer_erase(user=me) is False

    assert get_user_model().objects.filter(pk=me.pk).values().get() == row
    assert AuditEntry.objects.filter(action="privacy.customer.erased", object_id=str(me.pk)).count() == 1
    call_command("loyalty_verify")


def test_running_the_task_twice_erases_once(make_customer, django_capture_on_commit_callbacks):
    from skypark.privacy.tasks import erasure_request_run

    me = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.erasure_request_create(user=me)
    erasure_request_run(request.pk)
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.COMPLETED
    assert AuditEntry.objects.filter(action="privacy.customer.erased", object_id=str(me.pk)).count() == 1


def test_a_wrong_password_erases_nothing(client, customer, django_capture_on_commit_callbacks):
    customer.language = "en"
    customer.save()
    client.force_login(customer)

    response = ask_for_erasure(client, django_capture_on_commit_callbacks, password="not-my-password")

    assert response.status_code == 200
    assert b"The password is not right." in response.content
    assert not ErasureRequest.objects.exists()
    customer.refresh_from_db()
    assert customer.is_active


@pytest.fixture
def future_paid_ticket(customer, pay_order):
    from skypark.accounts.tests.factories import ChildFactory
    from skypark.parks.services import ticket_order_create
    from skypark.parks.tests.factories import ParkFactory

    customer.language = "en"
    customer.save()
    ticket = ticket_order_create(
        customer=customer,
        park=ParkFactory(name="Sky Park Dordoi", name_en="Sky Park Dordoi"),
        visit_date=timezone.localdate() + datetime.timedelta(days=3),
        visitors=[{"child_id": ChildFactory(parent=customer).pk}],
    )
    pay_order(ticket.order)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACTIVE
    return ticket


def test_a_future_paid_ticket_blocks_the_erasure_and_the_page_says_why(
    client, customer, future_paid_ticket, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    confirm = client.get(reverse("privacy:erase"))
    assert b"We cannot delete your account straight away" in confirm.content
    assert b"Sky Park Dordoi" in confirm.content

    response = ask_for_erasure(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == reverse("privacy:my-data")
    request = ErasureRequest.objects.get(user=customer)
    assert request.status == ErasureRequest.Status.AWAITING_APPROVAL
    customer.refresh_from_db()
    assert customer.is_active and customer.name != f"Deleted customer #{customer.pk}"
    page = client.get(reverse("privacy:my-data")).content.decode()
    assert "Your request waits for our staff" in page
    assert "You have a paid ticket to Sky Park Dordoi" in page
    assert "use it or ask the park to refund it" in page
    # Asking again does not open a second request.
    ask_for_erasure(client, django_capture_on_commit_callbacks)
    assert ErasureRequest.objects.filter(user=customer).count() == 1


def test_staff_approve_a_waiting_request_in_the_admin(
    client, customer, future_paid_ticket, admin_client_logged, django_capture_on_commit_callbacks
):
    request = services.erasure_request_create(user=customer)
    changelist = reverse("admin:privacy_erasurerequest_changelist")
    assert admin_client_logged.get(changelist).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged.post(
            changelist, {"action": "approve_requests", "_selected_action": [request.pk]}, follow=True
        )

    request.refresh_from_db()
    customer.refresh_from_db()
    assert request.status == ErasureRequest.Status.COMPLETED
    assert not customer.is_active and customer.name == f"Deleted customer #{customer.pk}"
    # The ticket and its order are kept as they were.
    future_paid_ticket.refresh_from_db()
    assert future_paid_ticket.status == Ticket.Status.ACTIVE
    assert future_paid_ticket.order.total == Order.objects.get(pk=future_paid_ticket.order_id).total


def test_staff_reject_a_waiting_request(customer, future_paid_ticket, admin_client_logged, client):
    request = services.erasure_request_create(user=customer)
    admin_client_logged.post(
        reverse("admin:privacy_erasurerequest_changelist"),
        {"action": "reject_requests", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REJECTED
    client.force_login(customer)
    assert "Our staff could not delete your account" in client.get(reverse("privacy:my-data")).content.decode()


def test_admin_downloads_a_customers_personal_data(admin_client_logged, customer):
    response = admin_client_logged.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "download_personal_data", "_selected_action": [customer.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert [c["customer_id"] for c in data["customers"]] == [customer.pk]
    assert AuditEntry.objects.filter(action="privacy.data.exported", object_id=str(customer.pk)).exists()


def test_staff_without_the_permission_cannot_download_personal_data(client, customer):
    from django.contrib.auth.models import Permission

    from skypark.accounts.tests.factories import UserFactory

    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client.force_login(clerk)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "download_personal_data", "_selected_action": [customer.pk]},
        follow=True,
    )
    assert "attachment" not in response.get("Content-Disposition", "")
    assert not AuditEntry.objects.filter(action="privacy.data.exported").exists()


def test_erasure_ends_the_customers_other_sessions_and_admin_search_no_longer_finds_the_phone(
    client, customer, admin_client_logged
):
    from django.test import Client

    customer.language = "en"
    customer.save()
    old_phone = customer.phone
    other_device = Client()
    other_device.force_login(customer)
    assert other_device.get(reverse("privacy:my-data")).status_code == 200

    services.customer_erase(user=customer)

    after = other_device.get(reverse("privacy:my-data"))
    assert after.status_code == 302 and "/login/" in after["Location"]
    found = admin_client_logged.get(reverse("admin:accounts_user_changelist"), {"q": old_phone})
    assert found.context["cl"].result_count == 0


def test_what_else_blocks_an_erasure(customer, pay_order, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from bookings.services import booking_create
    from bookings.tests.factories import SessionFactory
    from events.services import registration_create
    from events.tests.factories import EventFactory
    from skypark.commerce.tests.factories import pending_order

    assert services.erasure_blockers(user=customer) == []

    unpaid = pending_order(customer)
    assert any(unpaid.reference in reason for reason in services.erasure_blockers(user=customer))
    unpaid.status = "expired"
    unpaid.save(update_fields=["status"])
    assert services.erasure_blockers(user=customer) == []

    booking = booking_create(customer=customer, session=SessionFactory())
    pay_order(booking.order)
    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_create(
            customer=customer, event=EventFactory(title_en="Pine walk", price=Decimal("300"))
        )
    pay_order(registration.order)
    reasons = " ".join(services.erasure_blockers(user=customer))
    assert booking.reference in reasons
    assert "Pine walk" in reasons

    customer.is_staff = True
    assert "staff account" in " ".join(services.erasure_blockers(user=customer))
