import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from skypark.accounts import services
from skypark.accounts.backends import PhoneOrEmailBackend
from skypark.accounts.models import MerchantApiKey
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.audit.models import AuditEntry
from skypark.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_register_normalises_phone_and_writes_audit():
    user = services.customer_register(phone="0700 123 456", password="long-secret-1", name="Aida")
    assert user.phone == "+996700123456"
    assert user.check_password("long-secret-1")
    entry = AuditEntry.objects.get(action="accounts.customer.registered")
    assert entry.object_id == str(user.pk)
    assert entry.after["password"] == "[hidden]"


def test_register_refuses_a_taken_phone_in_another_spelling():
    services.customer_register(phone="+996700123456", password="long-secret-1")
    with pytest.raises(services.PhoneTaken) as exc:
        services.customer_register(phone="0700-123-456", password="long-secret-1")
    assert exc.value.code == "phone_taken"


def test_register_refuses_a_bad_phone():
    with pytest.raises(ValidationError):
        services.customer_register(phone="12", password="long-secret-1")


@pytest.mark.parametrize("login", ["+996700123456", "0700 123 456", "AIDA@example.kg"])
def test_login_by_phone_in_any_spelling_or_email(login):
    services.customer_register(phone="0700123456", password="long-secret-1", email="aida@example.kg")
    assert PhoneOrEmailBackend().authenticate(None, username=login, password="long-secret-1") is not None
    assert PhoneOrEmailBackend().authenticate(None, username=login, password="wrong") is None


def test_changing_email_clears_its_verified_flag():
    user = UserFactory(email="a@example.kg", email_verified=True)
    services.customer_update(user=user, email="b@example.kg")
    user.refresh_from_db()
    assert user.email == "b@example.kg" and user.email_verified is False


def test_child_add_refuses_future_birth_date_and_writes_nothing():
    parent = UserFactory()
    with pytest.raises(ValidationError):
        services.child_add(parent=parent, name="Bek", birth_date=timezone.localdate() + datetime.timedelta(days=1))
    assert parent.children.count() == 0
    assert not AuditEntry.objects.filter(action="accounts.child.added").exists()


def test_child_remove_keeps_the_row_but_deactivates_it():
    parent = UserFactory()
    child = services.child_add(parent=parent, name="Bek", birth_date=datetime.date(2021, 5, 1))
    services.child_remove(child=child, actor=parent)
    child.refresh_from_db()
    assert child.is_active is False


def test_api_key_is_stored_hashed_and_found_by_plaintext():
    merchant = MerchantFactory()
    key, plaintext = services.api_key_issue(merchant=merchant, name="till", actor=None)
    assert plaintext not in key.key_hash and key.prefix in plaintext
    assert services.api_key_lookup(plaintext).pk == key.pk
    with pytest.raises(NotFound):
        services.api_key_lookup(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"))


def test_revoked_key_is_refused():
    key, plaintext = services.api_key_issue(merchant=MerchantFactory(), name="till", actor=None)
    services.api_key_revoke(key=key, actor=None)
    assert MerchantApiKey.objects.get(pk=key.pk).revoked_at is not None
    with pytest.raises(NotFound):
        services.api_key_lookup(plaintext)


def test_key_of_suspended_merchant_is_refused():
    merchant = MerchantFactory(status="suspended")
    _key, plaintext = services.api_key_issue(merchant=merchant, name="till", actor=None)
    with pytest.raises(NotFound) as exc:
        services.api_key_lookup(plaintext)
    assert exc.value.code == "merchant_inactive"
