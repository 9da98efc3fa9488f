"""What axe-core asks of the back office, checked without a browser: the changelist search
box has a visible label in the admin's language (Django's is an image with English alt
text), and links in the breadcrumbs are underlined, not told apart by colour alone."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "word"), [("ru", "Найти"), ("ky", "Издөө"), ("en", "Search")])
def test_the_search_box_is_labelled_in_words(admin_client_logged, settings, language, word):
    settings.LANGUAGE_CODE = language
    page = admin_client_logged.get(reverse("admin:parks_ticket_changelist")).content.decode()
    label = page.split('<label for="searchbar"')[1].split("</label>")[0]
    assert 'alt=""' in label and label.rstrip().endswith(word)


def test_every_admin_page_underlines_the_links_in_its_breadcrumbs(admin_client_logged):
    page = admin_client_logged.get(reverse("admin:parks_ticket_changelist")).content.decode()
    assert 'href="/static/admin/skypark/admin.css"' in page
    css = (Path(settings.BASE_DIR) / "static/admin/skypark/admin.css").read_text()
    assert ".breadcrumbs a { text-decoration: underline; }" in css
