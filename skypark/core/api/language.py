"""The REST API speaks the client's language.

Customer pages carry their language in the URL, so Django's ``LocaleMiddleware`` gives every
unprefixed path the default language. API clients say which language they want in
``Accept-Language`` (or the language cookie a browser already holds); this middleware, placed
after ``LocaleMiddleware``, activates it for ``/api/`` so that translated content, choice
labels and error messages come back in that language. ``Content-Language`` says which one."""

from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Accept-Language",))
        return response
