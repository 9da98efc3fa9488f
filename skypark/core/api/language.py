"""The REST API speaks the client's language.

Customer pages carry their language in the URL, so Django's ``LocaleMiddleware`` gives every
unprefixed path the default language. API clients say which language they want in
``Accept-Language`` (or the language cookie a browser already holds); this
``LocaleMiddleware`` (in Django's place in ``MIDDLEWARE``) activates that language for
``/api/``, so that translated content, choice labels and error messages — the middleware's
own refusals included — come back in it; ``Content-Language`` says which one, and the answer
varies on ``Accept-Language``. Every other path is Django's ``LocaleMiddleware`` unchanged."""

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        if not request.path_info.startswith(API_PREFIX):
            return super().process_response(request, response)
        response.headers.setdefault("Content-Language", getattr(request, "LANGUAGE_CODE", translation.get_language()))
        patch_vary_headers(response, ("Accept-Language",))
        return response
