"""The OpenAPI schema at ``/api/schema/``.

It is written for developers, in English: identifiers a generator turns into class names
(titles, enum names) stay ASCII whatever language the server runs in. A developer who wants
the labels and descriptions in Russian or Kyrgyz asks with ``?lang=ru`` or an
``Accept-Language`` header; error messages of the API itself follow the caller's language
as always (``skypark.core.api.language.LocaleMiddleware``)."""

from django.conf import settings
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView

SCHEMA_LANGUAGE = "en"


def schema_language(request) -> str:
    """``?lang=``, else the best match of an ``Accept-Language`` header, else English."""
    supported = dict(settings.LANGUAGES)
    asked = request.GET.get("lang")
    if asked in supported:
        return asked
    header = request.headers.get("Accept-Language", "")
    for code, _quality in translation.trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return SCHEMA_LANGUAGE


class SchemaView(SpectacularAPIView):
    def dispatch(self, request, *args, **kwargs):
        language = schema_language(request)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
            response.render()  # lazy labels become text in this language
        response["Content-Language"] = language
        return response
