import datetime

import factory
from django.utils import timezone

from skypark.accounts.models import Child, Merchant, MerchantMembership, User
from skypark.accounts.services import api_key_issue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"+996555{n:06d}")
    name = factory.Faker("name")
    language = "ru"
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    parent = factory.SubFactory(UserFactory)
    name = factory.Faker("first_name")
    birth_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365 * 5))


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    code = factory.Sequence(lambda n: f"merchant-{n}")
    business_email = factory.Sequence(lambda n: f"merchant{n}@example.kg")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MerchantMembership

    merchant = factory.SubFactory(MerchantFactory)
    user = factory.SubFactory(UserFactory, is_staff=True)
    role = MerchantMembership.Role.MANAGER


def issue_key(merchant, name="POS"):
    """An active key and its plaintext for ``merchant``."""
    return api_key_issue(merchant=merchant, name=name, actor=None)
