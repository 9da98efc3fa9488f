import pytest


@pytest.fixture
def russian_default():
    """Russian as the site's default language, as in production: Russian pages unprefixed,
    /ky/ and /en/ prefixed, the back-office in Russian. The URL resolver caches its reverse
    table per language with the prefix of the time, so it is cleared on both sides."""
    from django.test import override_settings
    from django.urls import clear_url_caches

    clear_url_caches()
    with override_settings(LANGUAGE_CODE="ru"):
        clear_url_caches()
        yield
    clear_url_caches()
