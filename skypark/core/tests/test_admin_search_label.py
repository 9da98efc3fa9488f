"""The changelist search box has a visible label in the admin's language (Django's is an
image with English alt text, which axe-core reports as a form field without a label)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "word"), [("ru", "Найти"), ("ky", "Издөө"), ("en", "Search")])
def test_the_search_box_is_labelled_in_words(admin_client_logged, settings, language, word):
    settings.LANGUAGE_CODE = language
    page = admin_client_logged.get(reverse("admin:parks_ticket_changelist")).content.decode()
    label = page.split('<label for="searchbar"')[1].split("</label>")[0]
    assert 'alt=""' in label and label.rstrip().endswith(word)
