import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from skypark.accounts.models import Child, User, age_on
from skypark.accounts.tests.factories import ChildFactory, UserFactory


@pytest.mark.parametrize(
    "birth, on, expected",
    [
        (datetime.date(2023, 6, 10), datetime.date(2026, 6, 9), 2),  # the day before the 3rd birthday
        (datetime.date(2023, 6, 10), datetime.date(2026, 6, 10), 3),  # turns 3 on the visit day
        (datetime.date(2020, 2, 29), datetime.date(2026, 2, 28), 5),  # leap-day child, non-leap year
        (datetime.date(2020, 2, 29), datetime.date(2026, 3, 1), 6),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1), 0),
    ],
)
def test_age_is_full_years_on_the_given_day(birth, on, expected):
    assert age_on(birth, on) == expected


@pytest.mark.django_db
def test_child_age_depends_on_the_date_asked_not_on_a_stored_value():
    child = ChildFactory(birth_date=datetime.date(2023, 12, 1))
    assert child.age_on(datetime.date(2026, 11, 30)) == 2
    assert child.age_on(datetime.date(2026, 12, 1)) == 3


@pytest.mark.django_db
def test_child_birth_date_in_the_future_is_a_validation_error():
    child = Child(parent=UserFactory(), name="Timur", birth_date=timezone.localdate() + datetime.timedelta(days=2))
    with pytest.raises(ValidationError) as exc:
        child.full_clean()
    assert "birth_date" in exc.value.message_dict


@pytest.mark.django_db
def test_database_refuses_a_future_birth_date():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the CHECK uses CURRENT_DATE, which SQLite does not allow in constraints")
    parent = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Child.objects.create(parent=parent, name="X", birth_date=timezone.localdate() + datetime.timedelta(days=30))


@pytest.mark.django_db
def test_phone_is_normalised_on_create_and_unique():
    user = User.objects.create_user("0555 111 222", "pw-123456789")
    assert user.phone == "+996555111222"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("+996 555 111 222", "pw-123456789")


@pytest.mark.django_db
def test_email_is_unique_ignoring_case():
    User.objects.create_user("+996555000001", "pw", email="Aida@Example.kg")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("+996555000002", "pw", email="aida@example.kg")


@pytest.mark.django_db
def test_every_customer_gets_a_distinct_customer_code():
    codes = {UserFactory().customer_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == 10 for code in codes)
