"""Helpers for tests that read pages and messages in a given language."""

import html
import re

from django.urls import reverse
from django.utils import translation

COUNTS = (1, 2, 5, 21)


def visible_text(markup: str) -> str:
    """The text a person reads: tags removed, entities decoded, spaces collapsed."""
    markup = re.sub(r"(?is)<(script|style|title|head)\b.*?</\1>", " ", markup)
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return re.sub(r"\s+", " ", text)


def has_phrase(text: str, phrase: str) -> bool:
    """``phrase`` occurs as whole words ("1 балл" is not found inside "21 баллов")."""
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) is not None


def get_page(client, settings, user, language, name, *args):
    """GET the page ``name`` as ``user`` in ``language``, with Russian as the unprefixed
    default language as in production, and return what the person reads."""
    settings.LANGUAGE_CODE = "ru"
    if user is not None:
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
    with translation.override(language):
        url = reverse(name, args=args)
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    assert response.wsgi_request.path == url, (url, response.redirect_chain)
    return visible_text(response.content.decode())
