import pytest
from django.urls import reverse

from skypark.parks import services
from skypark.parks.models import Ticket

pytestmark = pytest.mark.django_db


def test_changelist_queries_do_not_grow(admin_client_logged, buy, pay, django_assert_max_num_queries):
    pay(buy())
    url = reverse("admin:parks_ticket_changelist")
    admin_client_logged.get(url)
    for _ in range(6):
        pay(buy())
    with django_assert_max_num_queries(12):
        response = admin_client_logged.get(url + "?q=")
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["parks_park", "parks_parkvisit", "parks_slotcapacity"])
def test_other_changelists(admin_client_logged, active_ticket, name):
    assert admin_client_logged.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_search_by_backup_code_and_phone(admin_client_logged, active_ticket, customer):
    url = reverse("admin:parks_ticket_changelist")
    assert active_ticket.backup_code in admin_client_logged.get(url, {"q": active_ticket.backup_code}).content.decode()
    assert active_ticket.backup_code in admin_client_logged.get(url, {"q": customer.phone}).content.decode()


def test_refund_action_goes_through_checkout(admin_client_logged, active_ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged.post(
            reverse("admin:parks_ticket_changelist"),
            {"action": "refund_selected", "_selected_action": [active_ticket.pk]},
        )
    active_ticket.refresh_from_db()
    assert active_ticket.status == Ticket.Status.REFUNDED
    assert active_ticket.order.status == "refunded"


def test_occupancy_board_stats_and_csv(admin_client_logged, active_ticket, park):
    services.ticket_admit(code=active_ticket.qr_code, park=park)
    board = admin_client_logged.get(reverse("admin:parks-occupancy"))
    assert park.name in board.content.decode()
    stats = admin_client_logged.get(reverse("admin:parks-daily-stats"))
    assert park.name in stats.content.decode()
    csv = admin_client_logged.get(reverse("admin:parks-daily-stats"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert len(lines) == 2 and park.name in lines[1]
    assert admin_client_logged.get(reverse("admin:index")).status_code == 200


def test_ticket_list_shows_the_code_as_printed_and_the_price_as_money(admin_client_logged, active_ticket, settings):
    settings.LANGUAGE_CODE = "ru"
    active_ticket.price = 1580
    active_ticket.save(update_fields=["price"])
    page = admin_client_logged.get(reverse("admin:parks_ticket_changelist")).content.decode()
    assert '<th class="field-printed_code">' in page
    assert active_ticket.backup_code_display in page and "1\xa0580\xa0сом" in page
    assert "1580,00" not in page
