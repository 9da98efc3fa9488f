import pytest
from django.urls import reverse

from skypark.parks.models import Ticket

from .factories import tomorrow

pytestmark = pytest.mark.django_db


def test_park_pages(client, park):
    assert park.slug in client.get(reverse("parks:park-list"), follow=True).content.decode()
    assert client.get(reverse("parks:park-detail", args=[park.slug])).status_code == 200


def test_buy_form_creates_order_and_redirects_to_payment(client, customer, park, child):
    client.force_login(customer)
    response = client.post(
        reverse("parks:park-detail", args=[park.slug]),
        {"visit_date": tomorrow().isoformat(), "slot": "", "children": [str(child.pk)], "buy": "1"},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("commerce:order-pay", args=[ticket.order.reference])


def test_buy_form_shows_refusal(client, customer, park, child):
    client.force_login(customer)
    response = client.post(
        reverse("parks:park-detail", args=[park.slug]),
        {"visit_date": "2000-01-01", "slot": "", "children": [str(child.pk)], "buy": "1"},
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists()


def test_ticket_page_and_png(client, customer, active_ticket):
    client.force_login(customer)
    page = client.get(reverse("parks:ticket-detail", args=[active_ticket.pk]), follow=True)
    assert "<svg" in page.content.decode()
    png = client.get(reverse("parks:ticket-qr", args=[active_ticket.pk]) + "?download=1", follow=True)
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert "attachment" in png["Content-Disposition"]


def test_other_customers_ticket_is_404(client, active_ticket, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("parks:ticket-detail", args=[active_ticket.pk]), follow=True).status_code == 404


def test_gate_page_verdicts(client, customer, staff_user, active_ticket, park):
    client.force_login(customer)
    assert client.get(reverse("parks:gate")).status_code == 302
    client.force_login(staff_user)
    data = {"park": park.pk, "gate": "g1", "code": active_ticket.backup_code}
    first = client.post(reverse("parks:gate"), data, follow=True).content.decode()
    second = client.post(reverse("parks:gate"), data, follow=True).content.decode()
    assert "verdict--ok" in first
    assert "verdict--refused" in second and 'data-reason="already_used"' in second
