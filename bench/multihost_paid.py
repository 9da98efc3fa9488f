"""The paid-purchase leg of the multi-host rehearsal (``bench/multihost.sh``).

Run on the web host's address: buys and pays park tickets through the services, so that
each payment queues the confirmation (e-mail with the ticket PDF and calendar file) on
Redis on its own host; a Celery worker on a fourth host renders and sends them, writing
to PostgreSQL on a third. Then it waits for every confirmation to be sent and admits every
ticket at the gate twice. Prints one JSON line of counters, all of which must be 0.

``python -m bench.multihost_paid <tickets>`` with DATABASE_URL, CELERY_BROKER_URL and
DJANGO_SETTINGS_MODULE=skypark.settings.bench set.
"""

import json
import sys
import time


def main(count: int) -> int:
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from skypark.accounts.tests.factories import ChildFactory, UserFactory
    from skypark.commerce.services import payment_complete, payment_start
    from skypark.notify.models import Notification
    from skypark.parks import services as parks
    from skypark.parks.tests.factories import ParkFactory

    started = time.monotonic()
    park = ParkFactory(capacity=count + 10)
    tickets = []
    for index in range(count):
        customer = UserFactory(phone=f"+99670{index:07d}", email=f"multihost{index}@example.kg", language="en")
        ticket = parks.ticket_order_create(
            customer=customer,
            park=park,
            visit_date=timezone.localdate(),
            visitors=[{"child_id": ChildFactory(parent=customer).pk}],
        )
        with transaction.atomic():
            payment, _action = payment_start(order=ticket.order, provider="sandbox", method="visa")
            payment_complete(payment=payment, external_id=payment.external_id)
        tickets.append(ticket.pk)
    paid_seconds = time.monotonic() - started

    # The confirmations are rendered and sent by the worker on the other host.
    deadline = time.monotonic() + 300
    mails = Notification.objects.filter(kind__startswith="parks.", channel=Notification.Channel.EMAIL)
    while time.monotonic() < deadline:
        if mails.filter(status=Notification.Status.SENT).count() >= count:
            break
        time.sleep(0.5)
    sent_seconds = time.monotonic() - started

    from skypark.parks.models import Ticket

    admitted = refused_first = admitted_twice = 0
    for ticket in Ticket.objects.filter(pk__in=tickets):
        if parks.ticket_admit(code=ticket.backup_code, park=park).admitted:
            admitted += 1
        else:
            refused_first += 1
        if parks.ticket_admit(code=ticket.backup_code, park=park).admitted:
            admitted_twice += 1
    counters = {
        "confirmations_unsent": max(0, count - mails.filter(status=Notification.Status.SENT).count()),
        "confirmations_failed": mails.filter(status=Notification.Status.FAILED).count(),
        "tickets_not_active": Ticket.objects.filter(pk__in=tickets).exclude(status__in=["active", "used"]).count(),
        "admissions_refused": refused_first,
        "admitted_twice": admitted_twice,
    }
    print(
        json.dumps(
            {
                "type": "summary",
                "scenario": "multihost-paid",
                "tickets": count,
                "admitted": admitted,
                "paid_seconds": round(paid_seconds, 2),
                "all_sent_seconds": round(sent_seconds, 2),
                "counters": counters,
            }
        )
    )
    return 1 if any(counters.values()) else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
