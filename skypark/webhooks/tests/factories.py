import factory

from skypark.accounts.tests.factories import MerchantFactory
from skypark.webhooks.models import WebhookDelivery, WebhookEndpoint


class EndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    merchant = factory.SubFactory(MerchantFactory)
    url = "https://partner.example/hook"
    secret = factory.Sequence(lambda n: f"whsec_test_{n:04d}_0123456789abcdefghijklmnopqrstuvwxyz")


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(EndpointFactory)
    merchant = factory.SelfAttribute("endpoint.merchant")
    event = "points.awarded"
    event_id = factory.Sequence(lambda n: f"points.awarded:{n}")
    payload = factory.LazyAttribute(lambda o: {"event": o.event, "id": o.event_id, "data": {}})
