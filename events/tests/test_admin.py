import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import BadgeRule, Event, MemberProfile, Registration, UserBadge
from skypark.accounts.tests.factories import MembershipFactory, UserFactory
from skypark.audit.models import AuditEntry

from .factories import EventFactory, badge

pytestmark = pytest.mark.django_db


def changelist(client, model):
    return client.get(reverse(f"admin:events_{model}_changelist"))


def test_event_changelist_queries_do_not_grow(admin_client_logged, django_assert_max_num_queries):
    EventFactory()
    admin_client_logged.get(reverse("admin:events_event_changelist"))
    with django_assert_max_num_queries(12) as few:
        assert changelist(admin_client_logged, "event").status_code == 200
    for _ in range(25):
        EventFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert changelist(admin_client_logged, "event").status_code == 200


def test_registration_changelist_queries_do_not_grow(admin_client_logged, django_assert_max_num_queries):
    event = EventFactory(capacity=None)
    services.registration_create(customer=UserFactory(), event=event)
    changelist(admin_client_logged, "registration")
    with django_assert_max_num_queries(12) as few:
        assert changelist(admin_client_logged, "registration").status_code == 200
    for _ in range(25):
        services.registration_create(customer=UserFactory(), event=event)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert changelist(admin_client_logged, "registration").status_code == 200


def test_event_page_shows_registrations_inline_and_reminder_schedule(admin_client_logged, event):
    registration = services.registration_create(customer=UserFactory(phone="+996700111222"), event=event)
    page = admin_client_logged.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert registration.customer.phone in page or str(registration.customer) in page
    assert "24 hours before:" in page and "2 hours before:" in page


def test_attendance_csv_export(admin_client_logged, live_event):
    Event.objects.filter(pk=live_event.pk).update(starts_at=timezone.now() + datetime.timedelta(minutes=5))
    came = services.registration_create(customer=UserFactory(name="Aida"), event=live_event)
    services.registration_create(customer=UserFactory(name="Bek"), event=live_event)
    services.registration_check_in(code=came.qr_code, event=live_event)
    response = admin_client_logged.post(
        reverse("admin:events_event_changelist"),
        {"action": "export_attendance", "_selected_action": [live_event.pk]},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Event", "Starts", "Phone"]
    assert {(r[3], r[4]) for r in rows[1:]} == {("Aida", "attended"), ("Bek", "confirmed")}
    single = admin_client_logged.get(reverse("admin:events-attendance", args=[live_event.pk]))
    assert len(list(csv.reader(io.StringIO(single.content.decode())))) == 3


def test_duplicate_and_cancel_actions_call_the_services(admin_client_logged, event, django_capture_on_commit_callbacks):
    registration = services.registration_create(customer=UserFactory(), event=event)
    url = reverse("admin:events_event_changelist")
    admin_client_logged.post(url, {"action": "duplicate_events", "_selected_action": [event.pk]})
    assert Event.objects.filter(status=Event.Status.DRAFT, title=event.title).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged.post(url, {"action": "cancel_events", "_selected_action": [event.pk]})
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_manual_check_in_action(admin_client_logged, live_event):
    Event.objects.filter(pk=live_event.pk).update(starts_at=timezone.now() + datetime.timedelta(minutes=5))
    registration = services.registration_create(customer=UserFactory(), event=live_event)
    admin_client_logged.post(
        reverse("admin:events_registration_changelist"),
        {"action": "check_in_selected", "_selected_action": [registration.pk]},
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED and registration.check_in_method == "manual"


def test_award_page_awards_points_and_badge_with_an_audited_reason(admin_client_logged, staff_user):
    member = UserFactory(phone="+996555900900")
    special = badge(BadgeRule.MANUAL, [1, 1], code="volunteer")
    response = admin_client_logged.post(
        reverse("admin:events-award"),
        {"phone": "0555 900 900", "points": "15", "badge": special.pk, "level": "2", "reason": "Ran the quiz"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert MemberProfile.objects.get(customer=member).points_total == 15 + 10 + 20
    assert UserBadge.objects.get(customer=member, badge=special).level == 2
    reasons = AuditEntry.objects.filter(actor_id=staff_user.pk, action__startswith="events.").values_list(
        "data", flat=True
    )
    assert any(d.get("reason") == "Ran the quiz" for d in reasons)
    refused = admin_client_logged.post(reverse("admin:events-award"), {"phone": "0555 900 900", "reason": "x"})
    assert refused.status_code == 200 and "Give points, a badge, or both." in refused.content.decode()


def test_merchant_staff_see_only_their_events(client):
    membership = MembershipFactory()
    from django.contrib.auth.models import Permission

    membership.user.user_permissions.add(*Permission.objects.filter(codename__in=["view_event", "change_event"]))
    mine = EventFactory(organiser=membership.merchant, title="Mine")
    EventFactory(title="Community one")
    client.force_login(membership.user)
    page = changelist(client, "event").content.decode()
    assert mine.title in page and "Community one" not in page


def test_admin_index_shows_the_events_panel(admin_client_logged, event):
    services.registration_create(customer=UserFactory(), event=event)
    page = admin_client_logged.get(reverse("admin:index")).content.decode()
    assert "Community events" in page and "Check-ins per day" in page
