"""Confirming a customer's phone with a code sent by SMS: the service rules."""

import datetime
import re

import pytest
from django.utils import timezone

from skypark.accounts.models import PhoneCode
from skypark.accounts.phone_verification import (
    PhoneAlreadyVerified,
    VerificationCodeInvalid,
    VerificationRateLimited,
    customer_phone_change,
    phone_verification_confirm,
    phone_verification_send,
)
from skypark.accounts.services import PhoneTaken
from skypark.accounts.signals import phone_verified
from skypark.audit.models import AuditEntry
from skypark.notify import sms
from skypark.notify.models import Notification

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def customer():
    return UserFactory(phone="+996555777001", language="en")


def send(user, ip="10.0.0.1", capture=None):
    with capture(execute=True):
        phone_verification_send(user=user, ip=ip)
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_code_goes_by_sms_to_the_phone_and_is_stored_only_hashed(customer, django_capture_on_commit_callbacks):
    code = send(customer, capture=django_capture_on_commit_callbacks)
    assert sms.outbox[-1].to == customer.phone
    assert "confirmation code" in sms.outbox[-1].text and "10 minutes" in sms.outbox[-1].text
    row = PhoneCode.objects.get(user=customer)
    assert row.purpose == PhoneCode.Purpose.PHONE_VERIFICATION and row.phone == customer.phone
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.filter(data__icontains=code).exists()


def test_the_right_code_confirms_the_phone_once(customer, django_capture_on_commit_callbacks):
    code = send(customer, capture=django_capture_on_commit_callbacks)
    received = []
    phone_verified.connect(
        lambda sender, user, **kw: received.append(user.pk), dispatch_uid="test-phone-verified", weak=False
    )
    try:
        phone_verification_confirm(user=customer, code=code, ip="10.0.0.1")
        with pytest.raises(PhoneAlreadyVerified):
            phone_verification_confirm(user=customer, code=code, ip="10.0.0.1")
    finally:
        phone_verified.disconnect(dispatch_uid="test-phone-verified")
    customer.refresh_from_db()
    assert customer.phone_verified
    assert received == [customer.pk]
    assert AuditEntry.objects.filter(action="accounts.phone_verification.confirmed").count() == 1
    with pytest.raises(PhoneAlreadyVerified):
        phone_verification_send(user=customer, ip="10.0.0.1")


def test_a_wrong_code_is_refused_and_five_kill_the_code(customer, django_capture_on_commit_callbacks):
    code = send(customer, capture=django_capture_on_commit_callbacks)
    for _ in range(5):
        with pytest.raises(VerificationCodeInvalid):
            phone_verification_confirm(user=customer, code=wrong(code), ip="10.0.0.2")
    assert PhoneCode.objects.get().attempts == 5
    with pytest.raises(VerificationCodeInvalid):
        phone_verification_confirm(user=customer, code=code, ip="10.0.0.2")
    customer.refresh_from_db()
    assert not customer.phone_verified


def test_an_expired_code_is_refused(customer, django_capture_on_commit_callbacks):
    code = send(customer, capture=django_capture_on_commit_callbacks)
    PhoneCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(VerificationCodeInvalid):
        phone_verification_confirm(user=customer, code=code, ip="10.0.0.1")


def test_the_code_expires_after_ten_minutes(customer, django_capture_on_commit_callbacks):
    send(customer, capture=django_capture_on_commit_callbacks)
    row = PhoneCode.objects.get()
    assert datetime.timedelta(minutes=9) < row.expires_at - row.created_at <= datetime.timedelta(minutes=10)


def test_a_new_code_ends_the_earlier_one(customer, django_capture_on_commit_callbacks):
    first = send(customer, capture=django_capture_on_commit_callbacks)
    second = send(customer, capture=django_capture_on_commit_callbacks)
    if first != second:
        with pytest.raises(VerificationCodeInvalid):
            phone_verification_confirm(user=customer, code=first, ip="10.0.0.1")
    phone_verification_confirm(user=customer, code=second, ip="10.0.0.1")


def test_a_password_reset_code_does_not_confirm_the_phone(customer, django_capture_on_commit_callbacks):
    from skypark.accounts.password_reset import reset_code_request

    with django_capture_on_commit_callbacks(execute=True):
        reset_code_request(phone=customer.phone, ip="10.0.0.1")
    reset = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    send(customer, capture=django_capture_on_commit_callbacks)
    if reset != re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1):
        with pytest.raises(VerificationCodeInvalid):
            phone_verification_confirm(user=customer, code=reset, ip="10.0.0.1")


def test_sends_are_limited_per_phone(customer, django_capture_on_commit_callbacks):
    for n in range(3):
        send(customer, ip=f"10.0.1.{n}", capture=django_capture_on_commit_callbacks)
    with pytest.raises(VerificationRateLimited):
        phone_verification_send(user=customer, ip="10.0.1.99")
    assert len(sms.outbox) == 3


def test_sends_are_limited_per_ip(django_capture_on_commit_callbacks):
    for _n in range(10):
        send(UserFactory(), ip="10.0.2.1", capture=django_capture_on_commit_callbacks)
    with pytest.raises(VerificationRateLimited):
        phone_verification_send(user=UserFactory(), ip="10.0.2.1")
    assert len(sms.outbox) == 10


def test_wrong_codes_are_limited_per_ip(django_capture_on_commit_callbacks, settings):
    settings.PHONE_VERIFICATION_FAILURES_PER_IP = 3
    users = [UserFactory() for _ in range(4)]
    codes = [send(user, ip=f"10.0.3.{n}", capture=django_capture_on_commit_callbacks) for n, user in enumerate(users)]
    for user, code in zip(users[:3], codes[:3], strict=True):
        with pytest.raises(VerificationCodeInvalid):
            phone_verification_confirm(user=user, code=wrong(code), ip="10.0.3.200")
    with pytest.raises(VerificationRateLimited):
        phone_verification_confirm(user=users[3], code=codes[3], ip="10.0.3.200")
    phone_verification_confirm(user=users[3], code=codes[3], ip="10.0.3.201")


def test_changing_the_phone_clears_the_confirmation_and_old_codes(customer, django_capture_on_commit_callbacks):
    code = send(customer, capture=django_capture_on_commit_callbacks)
    customer.phone_verified = True
    customer.save()
    changed = customer_phone_change(user=customer, phone="+996 700 123 456", actor=customer)
    assert changed.phone == "+996700123456" and not changed.phone_verified
    customer.refresh_from_db()
    assert not customer.phone_verified
    with pytest.raises(VerificationCodeInvalid):
        phone_verification_confirm(user=customer, code=code, ip="10.0.0.1")
    assert AuditEntry.objects.filter(action="accounts.customer.phone_changed").exists()
    with pytest.raises(PhoneTaken):
        customer_phone_change(user=customer, phone=UserFactory().phone, actor=customer)


def test_the_same_phone_keeps_its_confirmation(customer):
    customer.phone_verified = True
    customer.save()
    assert customer_phone_change(user=customer, phone=customer.phone, actor=customer).phone_verified


def _admin_post(client, customer, **changes):
    from django.urls import reverse

    url = reverse("admin:accounts_user_change", args=[customer.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions")}
    for key in ("password", "last_login", "date_joined"):
        data.pop(key, None)
    data.update(
        {
            "birth_date": "",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "merchant_memberships-TOTAL_FORMS": "0",
            "merchant_memberships-INITIAL_FORMS": "0",
            **changes,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    customer.refresh_from_db()


def test_the_admin_shows_the_confirmation_and_a_new_number_clears_it(admin_client_logged):
    customer = UserFactory(phone_verified=True, name="Verified Person")
    listing = admin_client_logged.get("/admin/accounts/user/?q=Verified+Person")
    assert listing.status_code == 200 and "phone_verified" in listing.content.decode()
    _admin_post(admin_client_logged, customer, name="Still Verified", phone_verified="")
    assert customer.phone_verified, "the flag cannot be set or cleared by hand"
    _admin_post(admin_client_logged, customer, phone="+996 700 000 111")
    assert customer.phone == "+996700000111" and not customer.phone_verified
    customer2 = UserFactory()
    _admin_post(admin_client_logged, customer2, phone_verified="on")
    assert not customer2.phone_verified
