import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skypark.accounts.tests.factories import UserFactory
from skypark.notify.models import Notification

from .factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notify_notification_changelist")


def _changelist_queries(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_changelist_query_count_does_not_grow_with_rows(admin_client_logged):
    NotificationFactory.create_batch(3)
    few = _changelist_queries(admin_client_logged)
    NotificationFactory.create_batch(27)
    InAppNotificationFactory.create_batch(3)
    many = _changelist_queries(admin_client_logged)
    assert many == few


def test_changelist_filters_and_search(admin_client_logged):
    user = UserFactory(phone="+996555123456", email="aida@example.kg")
    mine = NotificationFactory(recipient=user, to_address="aida@example.kg", status=Notification.Status.FAILED)
    NotificationFactory.create_batch(2)

    for params in ({"q": "0555 123 456"}, {"q": "aida@example.kg"}, {"status__exact": "failed"}):
        response = admin_client_logged.get(CHANGELIST, params)
        assert list(response.context["cl"].result_list) == [mine], params
    response = admin_client_logged.get(CHANGELIST, {"channel__exact": "sms", "kind": "generic"})
    assert response.status_code == 200


def test_log_is_read_only(admin_client_logged):
    notification = NotificationFactory(body_html="<p>Hi</p>")
    assert admin_client_logged.get(reverse("admin:notify_notification_add")).status_code == 403
    change_url = reverse("admin:notify_notification_change", args=[notification.pk])
    response = admin_client_logged.get(change_url)
    assert response.status_code == 200
    assert b"srcdoc=" in response.content
    admin_client_logged.post(change_url, {"subject": "changed"})
    notification.refresh_from_db()
    assert notification.subject == "Hello"
    assert (
        admin_client_logged.get(reverse("admin:notify_notification_delete", args=[notification.pk])).status_code == 403
    )


def test_resend_action_calls_the_service(admin_client_logged, django_capture_on_commit_callbacks):
    failed = NotificationFactory(status=Notification.Status.FAILED)
    in_app = InAppNotificationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged.post(
            CHANGELIST,
            {"action": "resend_selected", "_selected_action": [failed.pk, in_app.pk]},
            follow=True,
        )

    assert response.status_code == 200
    copy = Notification.objects.get(resent_from=failed)
    assert copy.status == Notification.Status.SENT
    assert mail.outbox[0].to == [failed.to_address]
    assert not Notification.objects.filter(resent_from=in_app).exists()
    texts = [str(m) for m in response.context["messages"]]
    assert any("1 notification was queued" in t for t in texts)
    assert any(f"#{in_app.pk}" in t for t in texts)


def test_resend_needs_its_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    notification = NotificationFactory(status=Notification.Status.FAILED)

    response = client.get(CHANGELIST)
    assert response.status_code == 200
    action_form = response.context["action_form"]
    assert action_form is None or "resend_selected" not in dict(action_form.fields["action"].choices)
    client.post(CHANGELIST, {"action": "resend_selected", "_selected_action": [notification.pk]})
    assert not Notification.objects.filter(resent_from=notification).exists()
