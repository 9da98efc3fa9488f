"""The endpoint and delivery admins: a secret is never shown after it was handed out
once, a delivery shows its status and timing but no body, and merchant staff see only
their own merchant's endpoints and deliveries."""

from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from skypark.accounts.tests.factories import MembershipFactory, MerchantFactory
from skypark.webhooks import tasks
from skypark.webhooks.models import WebhookDelivery, WebhookEndpoint

from .factories import DeliveryFactory, EndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant_staff(client):
    membership = MembershipFactory()
    user = membership.user
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="webhooks"))
    client.force_login(user)
    return client, membership.merchant


def test_the_admin_never_shows_the_secret_but_rotation_shows_the_new_one_once(admin_client_logged, merchant):
    endpoint = EndpointFactory(merchant=merchant)
    secret = endpoint.secret
    page = admin_client_logged.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    body = page.content.decode()
    assert secret not in body and secret[-4:] in body
    assert secret not in admin_client_logged.get(reverse("admin:webhooks_webhookendpoint_changelist")).content.decode()
    response = admin_client_logged.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != secret and endpoint.secret in response.content.decode()
    assert endpoint.secret_previous == secret
    again = admin_client_logged.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in again.content.decode()


def test_adding_an_endpoint_makes_a_secret_and_shows_it_once(admin_client_logged, merchant, settings, receiver):
    response = admin_client_logged.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"merchant": merchant.pk, "url": receiver.url, "events": '["points.awarded"]', "is_active": "on"},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()
    assert endpoint.events == ["points.awarded"]
    from skypark.audit.models import AuditEntry

    entry = AuditEntry.objects.filter(content_type__model="webhookendpoint", object_id=str(endpoint.pk)).last()
    assert entry is not None and endpoint.secret not in str(entry.after)


def test_an_internal_url_is_a_form_error(admin_client_logged, merchant):
    response = admin_client_logged.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"merchant": merchant.pk, "url": "http://169.254.169.254/latest/", "events": "[]", "is_active": "on"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_a_delivery_shows_status_and_timing_never_a_body(admin_client_logged, merchant):
    delivery = DeliveryFactory(
        endpoint=EndpointFactory(merchant=merchant),
        payload={"data": {"customer_code": "SECRET-CODE"}},
        last_status_code=500,
        last_error="HTTP 500 (42 ms)",
    )
    body = admin_client_logged.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])).content
    body = body.decode()
    assert "HTTP 500 (42 ms)" in body and "500" in body
    assert "SECRET-CODE" not in body


def test_send_again_requeues_undelivered_deliveries(admin_client_logged, merchant, django_capture_on_commit_callbacks):
    endpoint = EndpointFactory(merchant=merchant)
    failed = DeliveryFactory(endpoint=endpoint, status=WebhookDelivery.Status.FAILED, attempts=6)
    done = DeliveryFactory(endpoint=endpoint, status=WebhookDelivery.Status.DELIVERED, attempts=1)
    with mock.patch.object(tasks.webhook_deliver_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client_logged.post(
                reverse("admin:webhooks_webhookdelivery_changelist"),
                {"action": "resend", "_selected_action": [failed.pk, done.pk]},
                follow=True,
            )
    assert "1 delivery queued." in response.content.decode()
    delay.assert_called_once_with(failed.pk)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (WebhookDelivery.Status.PENDING, 0)
    from skypark.audit.models import AuditEntry

    assert AuditEntry.objects.get(action="webhooks.deliveries.resent").data == {"deliveries": [failed.pk]}


def test_merchant_staff_see_only_their_endpoints_and_deliveries(merchant_staff):
    client, mine = merchant_staff
    theirs = MerchantFactory()
    my_delivery = DeliveryFactory(endpoint=EndpointFactory(merchant=mine, url="https://mine.example/hook"))
    their_endpoint = EndpointFactory(merchant=theirs, url="https://theirs.example/hook")
    their_delivery = DeliveryFactory(endpoint=their_endpoint, event_id="their-event")
    endpoints = client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert [e.merchant for e in endpoints.context["cl"].result_list] == [mine]
    assert "theirs.example" not in endpoints.content.decode()
    deliveries = client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    assert list(deliveries.context["cl"].result_list) == [my_delivery]
    assert "their-event" not in deliveries.content.decode()
    for name, obj in (("webhookendpoint", their_endpoint), ("webhookdelivery", their_delivery)):
        assert client.get(reverse(f"admin:webhooks_{name}_change", args=[obj.pk])).status_code in (302, 404)
    response = client.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [their_endpoint.pk]},
    )
    their_endpoint.refresh_from_db()
    assert their_endpoint.secret_previous == "" and response.status_code in (200, 302)


def test_merchant_staff_cannot_add_an_endpoint_for_another_merchant(merchant_staff, receiver):
    client, mine = merchant_staff
    theirs = MerchantFactory()
    response = client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"merchant": theirs.pk, "url": receiver.url, "events": "[]", "is_active": "on"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["merchant"]
    assert not WebhookEndpoint.objects.exists()
