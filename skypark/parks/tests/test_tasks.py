import datetime

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from skypark.notify.models import Notification
from skypark.parks import services, tasks
from skypark.parks.models import Park, ParkVisit, Ticket

pytestmark = pytest.mark.django_db


def test_expire_sweep_is_set_based_and_idempotent(buy, pay, django_assert_num_queries):
    past = pay(buy())
    Ticket.objects.filter(pk=past.pk).update(visit_date=timezone.localdate() - datetime.timedelta(days=2))
    future = pay(buy())
    # savepoint, lock, one UPDATE, versions and events in one statement each, release
    with django_assert_num_queries(6):
        assert tasks.parks_tickets_expire() == 1
    assert tasks.parks_tickets_expire() == 0
    past.refresh_from_db()
    future.refresh_from_db()
    assert (past.status, future.status) == (Ticket.Status.EXPIRED, Ticket.Status.ACTIVE)


def test_reminder_sent_once(buy, pay, customer, django_capture_on_commit_callbacks):
    customer.email = "parent@example.kg"
    customer.save()
    ticket = pay(buy())
    assert tasks.parks_tickets_remind() == 1
    assert tasks.parks_tickets_remind() == 0
    assert services.ticket_remind(ticket_id=ticket.pk) is False
    sent = Notification.objects.filter(kind="parks.visit_reminder", recipient=customer)
    assert sent.filter(channel="email").count() == 1
    assert ticket.backup_code[:4] in sent.get(channel="email").body


def test_end_of_day_closes_open_visits_once(active_ticket, park):
    visit = services.ticket_admit(code=active_ticket.qr_code, park=park).visit
    ParkVisit.objects.filter(pk=visit.pk).update(visit_date=timezone.localdate() - datetime.timedelta(days=1))
    assert tasks.parks_visits_close() == 1
    assert tasks.parks_visits_close() == 0
    visit.refresh_from_db()
    assert visit.status == ParkVisit.Status.EXPIRED
    assert Park.objects.get(pk=park.pk).current_occupancy == 0


def test_schedules_install_is_idempotent():
    first = services.schedules_install()
    second = services.schedules_install()
    assert [t.pk for t in first] == [t.pk for t in second]
    assert PeriodicTask.objects.filter(task__startswith="skypark.parks.tasks.").count() == 3
