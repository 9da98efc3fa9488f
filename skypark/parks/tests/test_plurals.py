"""What a family reads about their tickets in Russian and Kyrgyz: the number of visitors
with the right plural form, and a ticket status that agrees with "билет"."""

import pytest
from django.utils import timezone

from skypark.commerce.models import Order
from skypark.core.testing_i18n import COUNTS, get_page, has_phrase
from skypark.parks.models import Ticket

pytestmark = pytest.mark.django_db

VISITORS = {
    "ru": {1: "1 посетитель", 2: "2 посетителя", 5: "5 посетителей", 21: "21 посетитель"},
    "ky": {1: "1 келүүчү", 2: "2 келүүчү", 5: "5 келүүчү", 21: "21 келүүчү"},
}


def _with_visitors(ticket, n):
    ticket.children_data = [{"name": f"Guest {i}", "age": 5, "price": "100.00"} for i in range(n)]
    ticket.save(update_fields=["children_data"])


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_my_tickets_count_visitors_with_the_plural_form(client, settings, customer, buy, language):
    ticket = buy()
    for n in COUNTS:
        _with_visitors(ticket, n)
        text = get_page(client, settings, customer, language, "parks:ticket-list")
        assert has_phrase(text, VISITORS[language][n]), (language, n, text)
        assert "посетители" not in text and "келүүчүлөр" not in text


def test_ticket_and_order_statuses_agree_with_their_nouns_in_russian(client, settings, customer, buy):
    ticket = buy()
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.REFUNDED)
    text = get_page(client, settings, customer, "ru", "parks:ticket-list")
    assert has_phrase(text, "возвращён")
    Order.objects.filter(pk=ticket.order_id).update(status=Order.Status.CANCELLED, cancelled_at=timezone.now())
    text = get_page(client, settings, customer, "ru", "commerce:order-result", ticket.order.reference)
    assert has_phrase(text, "отменён") and not has_phrase(text, "отменена")
