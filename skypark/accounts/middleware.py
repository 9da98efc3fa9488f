from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers

SKIPPED_PREFIXES = ("/admin/", "/api/", "/i18n/", "/static/", "/media/")


class UserLanguageMiddleware:
    """A logged-in customer sees customer pages in their own language.

    Customer pages carry their language in the URL (``/ky/...``, ``/en/...``; the default
    language has no prefix), and Django resolves them in that language only, so
    activating another language on an unprefixed URL would turn it into a 404. Instead a
    customer who opens an unprefixed page is redirected to the same page in their
    language: the one they last picked with the language switcher (Django's language
    cookie), else the one in their profile. A URL that names a language always wins, and
    only GET/HEAD are redirected so that no form post is lost.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self.preferred_url(request)
        if target is not None:
            response = HttpResponseRedirect(target)
            patch_vary_headers(response, ("Cookie",))
            return response
        return self.get_response(request)

    @staticmethod
    def preferred_language(request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            return chosen
        return getattr(request.user, "language", None)

    def preferred_url(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.method not in ("GET", "HEAD")
            or request.path_info.startswith(SKIPPED_PREFIXES)
            or translation.get_language_from_path(request.path_info) is not None
        ):
            return None
        language = self.preferred_language(request)
        if not language or language == settings.LANGUAGE_CODE:
            return None
        current = request.get_full_path()
        translated = translate_url(current, language)
        # Unchanged means the page is not a translated one (or does not exist).
        return translated if translated != current else None


class SessionTouchMiddleware:
    """Keeps "last used" of the signed-in device (``AuthSession``) of a web request
    current, writing at most once a minute per session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .auth_sessions import session_touch, web_session_of

        session_touch(session_id=web_session_of(request))
        return self.get_response(request)
