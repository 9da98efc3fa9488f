"""Customer pages: sign-up, log-in/out, profile, children and password reset."""

import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from skypark.accounts.models import Child, User
from skypark.accounts.tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def signup_data(**overrides):
    data = {
        "phone": "0555 123 456",
        "name": "Aida Kasymova",
        "email": "aida@example.kg",
        "language": "en",
        "password1": "Sunny-Slide-42",
        "password2": "Sunny-Slide-42",
    }
    data.update(overrides)
    return data


@pytest.fixture
def member(db):
    """A customer who reads the site in English (the test default language)."""
    return UserFactory(phone="+996555123456", email="member@example.kg", language="en", name="Member One")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


# Sign-up


def test_signup_with_bad_phone_shows_field_error_and_creates_nothing(client):
    response = client.post(reverse("accounts:signup"), signup_data(phone="12ab"))

    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    assert response.context["form"].errors["phone"]
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in response.content.decode()
    assert not User.objects.exists()
    assert SESSION_KEY not in client.session


def test_signup_page_has_labelled_fields(client):
    html = client.get(reverse("accounts:signup")).content.decode()

    for field in ("phone", "name", "email", "language", "password1", "password2"):
        assert f'<label for="id_{field}">' in html


# Log-in and log-out


@pytest.mark.parametrize("login", ["0555 123 456", "+996 555 12 34 56", "member@example.kg", "MEMBER@Example.kg"])
def test_login_by_phone_in_any_spelling_or_by_email(client, member, login):
    response = client.post(reverse("accounts:login"), {"username": login, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.session[SESSION_KEY] == str(member.pk)


def test_login_form_is_labelled_phone_or_email(client):
    html = client.get(reverse("accounts:login")).content.decode()

    assert '<label for="id_username">Phone or e-mail</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_login_with_a_wrong_password_says_so(client, member):
    response = client.post(reverse("accounts:login"), {"username": "0555123456", "password": "nope"})

    assert response.status_code == 200
    assert "is not right" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_logout_is_post_only(member_client):
    assert member_client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in member_client.session

    response = member_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert SESSION_KEY not in member_client.session


def test_header_shows_log_out_button_for_customers_and_log_in_for_visitors(client, member):
    anonymous = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in anonymous
    assert 'href="/accounts/signup/"' in anonymous

    client.force_login(member)
    logged_in = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in logged_in
    assert 'href="/accounts/profile/"' in logged_in


# Profile


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/profile/")


def test_profile_shows_details_code_and_children_with_age(member_client, member):
    today = timezone.localdate()
    ChildFactory(
        parent=member, name="Timur", birth_date=today.replace(year=today.year - 4) - datetime.timedelta(days=1)
    )
    ChildFactory(parent=member, name="Gone", is_active=False)
    ChildFactory(name="Someone Else's")

    html = member_client.get(reverse("accounts:profile")).content.decode()

    assert member.customer_code in html
    assert "Timur" in html
    assert "4 years old" in html
    assert "Gone" not in html
    assert "Someone Else" not in html
    assert '<label for="id_name">' in html
    assert '<label for="id_child_birth_date">' in html


def test_profile_update_calls_the_service(member_client, member):
    response = member_client.post(
        reverse("accounts:profile"),
        {"name": "New Name", "email": "new@example.kg", "language": "en", "birth_date": "1990-05-01"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "New Name"
    assert member.email == "new@example.kg"
    assert member.birth_date == datetime.date(1990, 5, 1)


def test_profile_update_refuses_an_email_of_another_customer(member_client, member):
    UserFactory(email="taken@example.kg")

    response = member_client.post(
        reverse("accounts:profile"), {"name": "Member One", "email": "taken@example.kg", "language": "en"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    member.refresh_from_db()
    assert member.email == "member@example.kg"


# Children


def test_add_child(member_client, member):
    response = member_client.post(
        reverse("accounts:child_add"), {"name": "Aruuke", "birth_date": "2019-03-08", "gender": "female"}
    )

    assert response.status_code == 302
    child = Child.objects.get(parent=member)
    assert (child.name, child.birth_date, child.gender) == ("Aruuke", datetime.date(2019, 3, 8), "female")


def test_add_child_with_a_future_birth_date_shows_the_error(member_client, member):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = member_client.post(reverse("accounts:child_add"), {"name": "Soon", "birth_date": tomorrow.isoformat()})

    assert response.status_code == 200
    assert response.context["form"].errors["birth_date"] == ["The birth date cannot be in the future."]
    assert "The birth date cannot be in the future." in response.content.decode()
    assert not Child.objects.exists()


def test_edit_own_child(member_client, member):
    child = ChildFactory(parent=member, name="Bek")

    response = member_client.post(
        reverse("accounts:child_edit", args=[child.pk]), {"name": "Beknazar", "birth_date": "2020-01-02", "gender": ""}
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.name, child.birth_date) == ("Beknazar", datetime.date(2020, 1, 2))


@pytest.mark.parametrize("url_name", ["accounts:child_edit", "accounts:child_remove"])
def test_another_customers_child_is_not_found(member_client, url_name):
    stranger_child = ChildFactory(name="Stranger")
    url = reverse(url_name, args=[stranger_child.pk])

    assert member_client.get(url).status_code == 404
    assert member_client.post(url, {"name": "Mine now", "birth_date": "2020-01-01"}).status_code == 404
    stranger_child.refresh_from_db()
    assert stranger_child.name == "Stranger"
    assert stranger_child.is_active


def test_remove_child_asks_then_removes(member_client, member):
    child = ChildFactory(parent=member, name="Emir")
    url = reverse("accounts:child_remove", args=[child.pk])

    confirm = member_client.get(url)
    assert confirm.status_code == 200
    assert "Remove Emir from your profile?" in confirm.content.decode()
    child.refresh_from_db()
    assert child.is_active

    response = member_client.post(url)

    assert response.status_code == 302
    child.refresh_from_db()
    assert not child.is_active
    profile = member_client.get(reverse("accounts:profile"))
    assert [child for child, _age in profile.context["children"]] == []
    assert "Emir has been removed from your profile." in profile.content.decode()
    assert member_client.get(url).status_code == 404


# Languages


def test_set_language_switches_the_next_page_to_kyrgyz(client):
    assert "Log in" in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "ky", "next": "/"})

    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="ky">' in html
    assert "Кирүү" in html  # "Log in"


def test_language_prefixes(client, settings):
    ky = client.get("/ky/").content.decode()
    assert '<html lang="ky">' in ky
    assert "Кирүү" in ky
    assert client.get("/ky/accounts/login/").status_code == 200

    # In production Russian is the default, so English is the prefixed one.
    settings.LANGUAGE_CODE = "ru"
    en = client.get("/en/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="en">' in en
    assert "Log in" in en
    ru = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Войти" in ru


def test_language_switcher_works_without_javascript(client):
    html = client.get("/ky/accounts/login/").content.decode()

    form = re.search(r'<form class="language-form" action="([^"]+)" method="post">(.*?)</form>', html, re.S)
    assert form and form.group(1) == "/i18n/setlang/"
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    # The page is handed over by its default-language address, which set_language can translate.
    assert '<input type="hidden" name="next" value="/accounts/login/">' in form.group(2)
    assert '<label for="language-select"' in form.group(2)
    assert '<option value="ky" lang="ky" selected>' in form.group(2)
    assert '<button type="submit"' in form.group(2)

    assert client.post("/i18n/setlang/", {"language": "ky", "next": "/accounts/login/"})["Location"] == (
        "/ky/accounts/login/"
    )
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})["Location"] == (
        "/accounts/login/"
    )


def test_customer_with_kyrgyz_profile_sees_kyrgyz(client):
    user = UserFactory(language="ky")
    client.force_login(user)

    response = client.get(reverse("accounts:profile"), follow=True)

    assert response.redirect_chain == [("/ky/accounts/profile/", 302)]
    html = response.content.decode()
    assert '<html lang="ky">' in html
    assert "Чыгуу" in html  # "Log out"


def test_language_picked_with_the_switcher_beats_the_profile_language(client):
    user = UserFactory(language="ky")
    client.force_login(user)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/profile/"})
    page = client.get(response["Location"])

    assert page.status_code == 200
    assert '<html lang="en">' in page.content.decode()


def test_profile_language_never_redirects_a_form_post(client):
    user = UserFactory(language="ky", name="Old")
    client.force_login(user)

    response = client.post("/accounts/profile/", {"name": "Nurlan", "language": "ky"})

    assert response.status_code == 302
    assert response["Location"] == "/ky/accounts/profile/"
    user.refresh_from_db()
    assert user.name == "Nurlan"


# Pages render with labels


def test_home_page_renders_with_landmarks_and_links(client):
    html = client.get("/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in html
    assert '<label for="language-select"' in html
    assert "/static/css/site.css" in html


@pytest.mark.parametrize(
    ("url_name", "label_ids"),
    [
        ("accounts:password_reset", ["id_email"]),
        ("accounts:password_change", ["id_old_password", "id_new_password1", "id_new_password2"]),
    ],
)
def test_password_forms_render_with_labels(member_client, url_name, label_ids):
    html = member_client.get(reverse(url_name)).content.decode()

    for label_id in label_ids:
        assert f'<label for="{label_id}">' in html


# Passwords


def test_password_reset_sends_an_email_with_a_working_link(client, member):
    response = client.post(reverse("accounts:password_reset"), {"email": "member@example.kg"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["member@example.kg"]
    assert "Sky Park" in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Fresh-Swing-77", "new_password2": "Fresh-Swing-77"}
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Fresh-Swing-77")


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.kg"})

    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change(member_client, member):
    response = member_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Brand-New-Kite-9", "new_password2": "Brand-New-Kite-9"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    member.refresh_from_db()
    assert member.check_password("Brand-New-Kite-9")


def test_unknown_page_uses_the_site_layout(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert '<main id="main"' in html


def test_language_switcher_keeps_the_query_string(client):
    html = client.get("/ky/accounts/login/?next=/accounts/profile/").content.decode()

    assert '<input type="hidden" name="next" value="/accounts/login/?next=/accounts/profile/">' in html
