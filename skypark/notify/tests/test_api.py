import pytest
from django.urls import reverse

from skypark.accounts.tests.factories import UserFactory

from .factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/me/notifications/"
READ_URL = "/api/v1/me/notifications/read/"


def test_urls_are_where_the_contract_says():
    assert reverse("api:me-notifications") == LIST_URL
    assert reverse("api:me-notifications-read") == READ_URL


def test_inbox_lists_only_my_in_app_messages(customer, customer_client):
    mine = InAppNotificationFactory.create_batch(2, recipient=customer)
    InAppNotificationFactory(recipient=UserFactory())
    NotificationFactory(recipient=customer)  # an e-mail is not an inbox message

    response = customer_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [mine[1].pk, mine[0].pk]
    assert set(body["results"][0]) == {"id", "kind", "subject", "body", "related", "created_at", "read_at", "is_read"}


def test_unread_filter(customer, customer_client):
    unread = InAppNotificationFactory(recipient=customer)
    read = InAppNotificationFactory(recipient=customer, read_at="2026-01-01T10:00:00Z")

    assert [i["id"] for i in customer_client.get(LIST_URL, {"unread": "true"}).json()["results"]] == [unread.pk]
    assert [i["id"] for i in customer_client.get(LIST_URL, {"unread": "false"}).json()["results"]] == [read.pk]
    assert customer_client.get(LIST_URL, {"unread": "maybe"}).status_code == 400


def test_related_object_is_shown(customer, customer_client):
    from django.contrib.contenttypes.models import ContentType

    InAppNotificationFactory(
        recipient=customer, content_type=ContentType.objects.get_for_model(customer), object_id=str(customer.pk)
    )
    [item] = customer_client.get(LIST_URL).json()["results"]
    assert item["related"] == {"type": "accounts.user", "id": str(customer.pk)}


def test_inbox_query_count_does_not_grow(customer, customer_client, django_assert_max_num_queries):
    InAppNotificationFactory.create_batch(3, recipient=customer)
    with django_assert_max_num_queries(4):
        customer_client.get(LIST_URL)
    InAppNotificationFactory.create_batch(30, recipient=customer)
    with django_assert_max_num_queries(4):
        assert customer_client.get(LIST_URL).json()["count"] == 33


def test_mark_some_read_ignores_other_peoples_ids(customer, customer_client):
    a, b = InAppNotificationFactory.create_batch(2, recipient=customer)
    theirs = InAppNotificationFactory(recipient=UserFactory())

    response = customer_client.post(READ_URL, {"ids": [a.pk, theirs.pk]}, format="json")

    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(customer, customer_client):
    InAppNotificationFactory.create_batch(3, recipient=customer)
    response = customer_client.post(READ_URL, {"all": True}, format="json")
    assert response.json() == {"marked": 3, "unread": 0}
    assert customer_client.get(LIST_URL, {"unread": "true"}).json()["count"] == 0


@pytest.mark.parametrize(
    "payload", [{}, {"ids": []}, {"ids": [1], "all": True}, {"ids": ["x"]}, {"ids": [10**20]}, {"ids": [2**63]}]
)
def test_mark_read_bad_input_is_a_400_with_a_code(customer_client, payload):
    response = customer_client.post(READ_URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_anonymous_is_refused(api_client):
    assert api_client.get(LIST_URL).status_code == 401
    assert api_client.post(READ_URL, {"all": True}, format="json").status_code == 401


def test_schema_documents_the_endpoints(api_client, staff_user):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["paths"][LIST_URL]["get"]["tags"] == ["notifications"]
    assert schema["paths"][READ_URL]["post"]["tags"] == ["notifications"]
