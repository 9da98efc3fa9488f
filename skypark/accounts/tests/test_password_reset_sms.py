"""Password reset by a code sent by SMS, end to end through the pages."""

import datetime
import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from skypark.accounts.models import PhoneCode
from skypark.accounts.password_reset import ResetCodeInvalid, reset_code_confirm, reset_code_request
from skypark.audit.models import AuditEntry
from skypark.notify import sms
from skypark.notify.models import Notification

from .factories import UserFactory

NEW_PASSWORD = "fresh-Secret-2026"


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def phone_customer(db):
    return UserFactory(phone="+996555123987", email=None, language="ru")


def url(name, language="en"):
    with translation.override(language):
        return reverse(name)


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """Runs each page's on-commit work (the SMS task) as a real commit would."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield


def request_code(client, phone, language="en", **extra):
    with _capture(execute=True):
        return client.post(url("accounts:password_reset_sms", language), {"phone": phone}, **extra)


def sent_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)


def confirm(client, code, language="en", password=NEW_PASSWORD):
    return client.post(
        url("accounts:password_reset_sms_confirm", language),
        {"code": code, "new_password1": password, "new_password2": password},
    )


def test_reset_by_sms_end_to_end(client, phone_customer):
    response = request_code(client, "0555 123 987")
    assert response.status_code == 302 and response.url == url("accounts:password_reset_sms_confirm")
    [message] = sms.outbox
    assert message.to == "+996555123987"
    code = sent_code()
    page = client.get(response.url).content.decode()
    assert "+996 555 123 987" in page and "six-digit code" in page

    response = confirm(client, code)
    assert response.status_code == 302 and response.url == url("accounts:password_reset_complete")
    assert authenticate(username="+996555123987", password=NEW_PASSWORD) == phone_customer
    assert AuditEntry.objects.filter(action="accounts.password_reset.by_sms", object_id=str(phone_customer.pk)).exists()
    # The code is spent: it does not work a second time.
    client.session  # noqa: B018
    with pytest.raises(ResetCodeInvalid):
        reset_code_confirm(phone=phone_customer.phone, code=code, new_password="other-Secret-1", ip="1.2.3.4")


def test_the_code_is_stored_hashed_and_never_logged(client, phone_customer):
    request_code(client, phone_customer.phone)
    code = sent_code()
    row = PhoneCode.objects.get(user=phone_customer)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert not Notification.objects.filter(body__contains=code).exists()
    assert not AuditEntry.objects.filter(data__icontains=code).exists()


def test_the_sms_is_in_the_language_of_the_page(client, phone_customer):
    request_code(client, phone_customer.phone, language="ky")
    assert "сырсөзүн калыбына келтирүү коду" in sms.outbox[0].text and sent_code() in sms.outbox[0].text


def test_a_wrong_code_is_refused_and_the_password_stays(client, phone_customer):
    request_code(client, phone_customer.phone)
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"
    response = confirm(client, wrong)
    assert response.status_code == 200
    assert "This code is wrong or has expired" in response.content.decode()
    assert authenticate(username=phone_customer.phone, password="pass-word-123") == phone_customer


def test_an_expired_code_is_refused(client, phone_customer):
    request_code(client, phone_customer.phone)
    code = sent_code()
    PhoneCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = confirm(client, code)
    assert "This code is wrong or has expired" in response.content.decode()
    assert authenticate(username=phone_customer.phone, password=NEW_PASSWORD) is None


def test_a_code_dies_after_five_wrong_tries(client, phone_customer):
    request_code(client, phone_customer.phone)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        confirm(client, wrong)
    assert PhoneCode.objects.get().attempts == 5
    response = confirm(client, code)
    assert "This code is wrong or has expired" in response.content.decode()
    assert authenticate(username=phone_customer.phone, password=NEW_PASSWORD) is None


def test_a_new_code_replaces_the_old_one(client, phone_customer):
    request_code(client, phone_customer.phone)
    first = sent_code()
    request_code(client, phone_customer.phone)
    second = sent_code()
    if first != second:
        assert "This code is wrong" in confirm(client, first).content.decode()
    assert confirm(client, second).status_code == 302


def test_an_unknown_phone_gets_the_same_answer_and_no_sms(client, phone_customer):
    known = request_code(client, phone_customer.phone)
    known_page = client.get(known.url).content.decode()
    sms.outbox.clear()
    other = client.__class__()
    unknown = request_code(other, "+996555000111")
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    unknown_page = other.get(unknown.url).content.decode()
    strip = lambda page: re.sub(r"\+996 555 \d{3} \d{3}|csrfmiddlewaretoken\" value=\"[^\"]+\"", "", page)  # noqa: E731
    assert strip(unknown_page) == strip(known_page)
    assert sms.outbox == []
    # Guessing codes for it is refused exactly like a wrong code.
    assert "This code is wrong or has expired" in confirm(other, "123456").content.decode()


@override_settings(PASSWORD_RESET_SMS_PER_PHONE=3, PASSWORD_RESET_SMS_PER_IP=100)
def test_requests_are_limited_per_phone_whether_or_not_it_exists(client, phone_customer):
    for phone in (phone_customer.phone, "+996555000111"):
        for _ in range(3):
            assert request_code(client, phone).status_code == 302
        response = request_code(client, phone)
        assert response.status_code == 200
        assert "Too many attempts" in response.content.decode()
    assert len(sms.outbox) == 3


@override_settings(PASSWORD_RESET_SMS_PER_PHONE=100, PASSWORD_RESET_SMS_PER_IP=4)
def test_requests_are_limited_per_ip(client, db):
    for n in range(4):
        assert request_code(client, f"+99655500010{n}").status_code == 302
    assert "Too many attempts" in request_code(client, "+996555000109").content.decode()
    other_ip = request_code(client, "+996555000109", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 302


@override_settings(PASSWORD_RESET_FAILURES_PER_IP=3)
def test_wrong_codes_are_limited_per_ip(client, phone_customer):
    request_code(client, phone_customer.phone)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    PhoneCode.objects.update(attempts=0)
    for _ in range(3):
        confirm(client, wrong)
    PhoneCode.objects.update(attempts=0)
    response = confirm(client, code)
    assert "Too many attempts" in response.content.decode()
    assert authenticate(username=phone_customer.phone, password=NEW_PASSWORD) is None


def test_the_code_page_needs_a_phone_first(client, db):
    response = client.get(url("accounts:password_reset_sms_confirm"))
    assert response.status_code == 302 and response.url == url("accounts:password_reset_sms")


def test_a_weak_or_mismatched_new_password_is_a_form_error(client, phone_customer):
    request_code(client, phone_customer.phone)
    code = sent_code()
    response = client.post(
        url("accounts:password_reset_sms_confirm"), {"code": code, "new_password1": "a", "new_password2": "b"}
    )
    assert response.status_code == 200 and "The two passwords do not match." in response.content.decode()
    assert confirm(client, code, password="12345678").status_code == 200
    assert confirm(client, code).status_code == 302


def test_an_invalid_phone_is_a_form_error(client, db):
    response = request_code(client, "12")
    assert response.status_code == 200 and "Enter a valid phone number" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading", "button", "link"),
    [
        ("ru", "Сброс пароля по SMS", "Отправить код", "Получить код по SMS"),
        ("ky", "Сырсөздү SMS аркылуу калыбына келтирүү", "Кодду жөнөтүү", "SMS аркылуу код алуу"),
        ("en", "Reset password by SMS", "Send the code", "Get a code by SMS"),
    ],
)
def test_reset_pages_read_in_each_language(client, phone_customer, language, heading, button, link):
    assert link in client.get(url("accounts:password_reset", language)).content.decode()
    page = client.get(url("accounts:password_reset_sms", language)).content.decode()
    assert heading in page and button in page
    request_code(client, phone_customer.phone, language)
    page = client.get(url("accounts:password_reset_sms_confirm", language)).content.decode()
    assert {"ru": "Код из SMS", "ky": "SMS'теги код", "en": "Code from the SMS"}[language] in page
    assert {"ru": "10 минут", "ky": "10 мүнөт", "en": "10 minutes"}[language] in page


@pytest.mark.parametrize(
    ("language", "subject", "sent_heading"),
    [
        ("ru", "Sky Park: новый пароль", "Проверьте почту"),
        ("ky", "Sky Park: жаңы сырсөз тандаңыз", "Почтаңызды текшериңиз"),
        ("en", "Sky Park: choose a new password", "Check your e-mail"),
    ],
)
def test_email_reset_works_in_each_language(client, db, language, subject, sent_heading):
    user = UserFactory(email="aida@example.kg", language=language)
    mail.outbox = []
    response = client.post(url("accounts:password_reset", language), {"email": "aida@example.kg"}, follow=True)
    assert sent_heading in response.content.decode()
    [message] = mail.outbox
    assert message.subject == subject
    link = re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert authenticate(username=user.phone, password=NEW_PASSWORD) == user


def test_reset_code_request_for_unknown_phone_returns_the_same_as_for_a_known_one(phone_customer):
    assert reset_code_request(phone=phone_customer.phone, ip="1.1.1.1") is None
    assert reset_code_request(phone="+996555000222", ip="1.1.1.1") is None
