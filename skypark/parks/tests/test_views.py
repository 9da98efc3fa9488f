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


def test_anyone_checks_price_and_places_by_childrens_ages(client, park):
    url = reverse("parks:park-detail", args=[park.slug])
    data = {"visit_date": tomorrow().isoformat(), "slot": "", "guest_0_age": "2", "guest_1_age": "7", "quote": "1"}
    page = client.post(url, data).content.decode()
    assert 'Child 1 (2)</td><td data-label="Price">590\xa0som' in page
    assert 'Child 2 (7)</td><td data-label="Price">790\xa0som' in page
    assert "<strong>1,380\xa0som</strong>" in page
    assert "Places left: " in page
    assert not Ticket.objects.exists()


def test_buying_needs_each_childs_name(client, customer, park):
    client.force_login(customer)
    url = reverse("parks:park-detail", args=[park.slug])
    page = client.post(url, {"visit_date": tomorrow().isoformat(), "guest_0_age": "4", "buy": "1"}).content.decode()
    assert "Give this child&#x27;s name: it is printed on the ticket." in page
    assert not Ticket.objects.exists()


def test_log_in_round_trip_keeps_the_filled_form(client, park):
    from skypark.accounts.tests.factories import UserFactory

    url = reverse("parks:park-detail", args=[park.slug])
    day = tomorrow().isoformat()
    form = {"visit_date": day, "slot": "", "guest_0_name": "Aibek", "guest_0_age": "6", "buy": "1"}
    response = client.post(url, form)
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url.startswith(reverse("accounts:login")) and "next=" in login_url
    assert not Ticket.objects.exists()
    # A customer whose language is Kyrgyz lands on the /ky/ page after logging in: the
    # form is still there, filled and priced.
    customer = UserFactory(language="ky")
    back = client.post(login_url, {"username": customer.phone, "password": "pass-word-123"}, follow=True)
    assert back.request["PATH_INFO"] == "/ky" + url
    page = back.content.decode()
    assert f'value="{day}"' in page and 'value="Aibek"' in page and 'value="6"' in page
    assert "Aibek (6)</td>" in page
    response = client.post("/ky" + url, form)
    ticket = Ticket.objects.get(customer=customer)
    assert ticket.children_data[0]["name"] == "Aibek"
    assert response["Location"].endswith(reverse("commerce:order-pay", args=[ticket.order.reference]).split("/", 2)[2])


def test_sign_up_round_trip_keeps_the_filled_form(client, park, sms_codes):
    url = reverse("parks:park-detail", args=[park.slug])
    form = {"visit_date": tomorrow().isoformat(), "guest_0_name": "Aibek", "guest_0_age": "6", "buy": "1"}
    login_url = client.post(url, form)["Location"]
    login_page = client.get(login_url).content.decode()
    signup_url = f"{reverse('accounts:signup')}?next={url}"
    assert signup_url in login_page
    assert f'name="next" value="{url}"' in client.get(signup_url).content.decode()
    account = {"phone": "0555 321 654", "name": "Aida", "email": "", "language": "en"}
    account |= {"password1": "Sunny-Slide-42", "password2": "Sunny-Slide-42", "next": url}
    assert client.post(reverse("accounts:signup"), account)["Location"] == reverse("accounts:signup_confirm")
    response = client.post(reverse("accounts:signup_confirm"), {"action": "confirm", "code": sms_codes[-1]})
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert 'value="Aibek"' in page and "Aibek (6)</td>" in page


def test_sign_up_ignores_a_next_address_off_the_site(client, sms_codes):
    account = {"phone": "0555 321 655", "name": "Aida", "email": "", "language": "en"}
    account |= {"password1": "Sunny-Slide-42", "password2": "Sunny-Slide-42", "next": "https://evil.example/"}
    client.post(reverse("accounts:signup"), account)
    response = client.post(reverse("accounts:signup_confirm"), {"action": "confirm", "code": sms_codes[-1]})
    assert response["Location"] == reverse("accounts:profile")


def test_a_kept_form_comes_back_only_on_its_own_page(client, customer, park):
    from .factories import ParkFactory

    other = ParkFactory()
    url = reverse("parks:park-detail", args=[park.slug])
    client.post(url, {"visit_date": tomorrow().isoformat(), "guest_0_name": "Aibek", "guest_0_age": "6", "buy": "1"})
    client.force_login(customer)
    other_page = client.get(reverse("parks:park-detail", args=[other.slug]), follow=True).content.decode()
    assert other.slug in other_page and 'value="Aibek"' not in other_page
    assert 'value="Aibek"' in client.get(url, follow=True).content.decode()
