"""Self-cancelling a park ticket in a real browser, in Russian, on a phone and a desktop,
without JavaScript being needed: the confirmation page shows the refund, the button
does it, the ticket then says partially refunded."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.commerce.models import Refund
from skypark.commerce.services import payment_complete, payment_start
from skypark.commerce.tests.cancel_walk import confirm, confirm_page, log_in
from skypark.parks import services
from skypark.parks.models import Ticket

from .factories import ParkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancel_a_park_ticket_with_half_back(browser):
    customer = UserFactory(name="Айгуль", language="ru")
    child = ChildFactory(parent=customer, name="Бек")
    park = ParkFactory(name="Sky Park Бишкек")
    # The day after tomorrow starts in 24 to 48 hours: half comes back.
    day = timezone.localdate() + datetime.timedelta(days=2)
    ticket = services.ticket_order_create(
        customer=customer, park=park, visit_date=day, visitors=[{"child_id": child.pk}]
    )
    payment, _ = payment_start(order=ticket.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.ACTIVE)
    ticket.refresh_from_db()
    total = ticket.order.total
    from skypark.core.formatting import format_money
    from skypark.parks.cancelling import ticket_refund_quote

    amount = ticket_refund_quote(ticket=ticket).amount
    assert Decimal(0) < amount < total

    log_in(browser, customer)
    with translation.override("ru"):
        url = reverse("parks:ticket-cancel", args=[ticket.pk])
    with translation.override("ru"):
        shown_amount = format_money(amount, "KGS").replace("\xa0", " ")
    confirm_page(
        browser,
        url,
        name="ticket-ru",
        shown=[f"вам вернут {shown_amount}", "Условия отмены", "Позже: без возврата.", "Sky Park Бишкек"],
    )
    text = confirm(browser, name="ticket-ru")
    assert f"Отменено. Вам вернут {shown_amount}." in text
    assert "частично возвращён" in text
    assert [r.amount for r in Refund.objects.all()] == [amount]
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.PARTIALLY_REFUNDED
