import factory

from skypark.accounts.tests.factories import UserFactory
from skypark.notify.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory, email=factory.Sequence(lambda n: f"person{n}@example.kg"))
    channel = Notification.Channel.EMAIL
    kind = "generic"
    language = "en"
    to_address = factory.LazyAttribute(lambda o: (o.recipient and o.recipient.email) or "someone@example.kg")
    subject = "Hello"
    body = "Body text"
    status = Notification.Status.SENT
    attempts = 1


class InAppNotificationFactory(NotificationFactory):
    channel = Notification.Channel.IN_APP
    to_address = ""
