"""Refuse input no database column can hold, once, before any view sees it.

PostgreSQL text cannot contain the NUL character, and no encoding can carry a lone UTF-16
surrogate (JSON allows ``"\\ud800"``). Left to the views, such a value travels to the
database and fails there as a 500 — in a path segment, a query parameter, a form field or
a JSON body alike. This middleware answers 400 instead: the API's error shape
(``{"error": {"code": "invalid_characters", ...}}``) under ``/api/``, a plain page elsewhere.
"""

import io
import json

from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    # Lone surrogates only come from JSON escapes; well-formed text never holds them.
    return any("\ud800" <= char <= "\udfff" for char in value)


def _bad_json(value) -> bool:
    if isinstance(value, str):
        return _bad_text(value)
    if isinstance(value, dict):
        return any(_bad_text(key) or _bad_json(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_bad_json(item) for item in value)
    return False


def _form_fields(request, content_type):
    """The text fields of a form body. Django parses ``request.POST`` for POST only; a PUT
    or PATCH form (which DRF parses itself) is read here the same way."""
    if request.method == "POST":
        return request.POST.lists()
    if content_type == "application/x-www-form-urlencoded":
        return QueryDict(request.body, encoding=request.encoding).lists()
    stream = io.BytesIO(request.body)
    fields, _files = MultiPartParser(request.META, stream, request.upload_handlers, request.encoding).parse()
    return fields.lists()


class RefuseUnstorableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._unstorable(request):
            return self._refuse(request)
        return self.get_response(request)

    def _unstorable(self, request) -> bool:
        if _bad_text(request.path) or _bad_text(request.META.get("QUERY_STRING", "")):
            return True
        if any(_bad_text(key) or any(_bad_text(v) for v in values) for key, values in request.GET.lists()):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type.endswith("json"):
            body = request.body
            # Cheap test first: only a body that could hold such a character is parsed.
            if b"\x00" not in body and b"\\u" not in body.lower():
                return False
            try:
                return _bad_json(json.loads(body))
            except (ValueError, UnicodeDecodeError):
                return b"\x00" in body
        if content_type in FORM_TYPES:
            if request.path_info.startswith("/api/"):
                # The API refuses forms (415) unread; reading the body here would leave
                # the API's parser an empty stream, taken for an empty form.
                return False
            try:
                fields = _form_fields(request, content_type)
            except Exception:  # a malformed body is the form parser's to report
                return False
            # Uploaded files may hold any bytes; only the text fields are checked.
            return any(_bad_text(key) or any(_bad_text(v) for v in values) for key, values in fields)
        return False

    @staticmethod
    def _refuse(request):
        message = _("The request contains characters that cannot be stored (NUL or an unpaired surrogate).")
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": "invalid_characters", "message": message}}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
