"""The schema class of the API (``DEFAULT_SCHEMA_CLASS``)."""

import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .documented_errors import documented_errors
from .ratelimit import HEADERS as RATE_LIMIT_HEADERS
from .serializers import ErrorOutput

CODE_IN_TEXT = re.compile(r"`([a-z][a-z0-9_]+)`")


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, with every operation's errors documented from
    ``documented_errors``: each error status answers the one error shape
    (``ErrorOutput``), its description and ``x-error-codes`` list the machine codes, a 429
    says ``Retry-After``, and throttled operations show the ``RateLimit-*`` headers."""

    def _documented_errors(self):
        return documented_errors(self.view, self.method, has_path_parameters="{" in self.path)

    def _get_response_bodies(self, direction="response"):
        # (extend_schema replaces get_response_serializers; the bodies are built here.)
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error_ref = self.resolve_serializer(ErrorOutput, "response").ref
        documented = self._documented_errors()
        # A view that does not declare its errors yet: the codes its own examples and
        # description of an error status name.
        for status, body in responses.items():
            if status.startswith("4"):
                codes = documented.get(status, [])
                codes += [c for c in self._codes_named(status, body.get("description") or "") if c not in codes]
                if codes:
                    documented[status] = codes
        self.error_codes = documented
        for status, codes in documented.items():
            current = responses.get(status) or {}
            schemas = [media.get("schema") for media in current.get("content", {}).values()]
            if any(schema != error_ref for schema in schemas):
                continue  # an answer of its own shape (not an error)
            description = (current.get("description") or "").strip()
            listed = ", ".join(f"`{code}`" for code in codes)
            text = f"{description.rstrip('.')}. Error codes: {listed}." if description else f"Error codes: {listed}."
            responses[status] = self._get_response_for_code(OpenApiResponse(ErrorOutput, description=text), status)
        return dict(sorted(responses.items()))

    def _codes_named(self, status, description):
        codes = []
        for example in self.get_examples():
            value = example.value if isinstance(example.value, dict) else {}
            code = (value.get("error") or {}).get("code") if isinstance(value.get("error"), dict) else None
            if code and status in map(str, example.status_codes or ()) and code not in codes:
                codes.append(code)
        for code in CODE_IN_TEXT.findall(str(description)):
            if code not in codes:
                codes.append(code)
        return codes

    def get_operation(self, *args, **kwargs):
        self.error_codes = {}
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return operation
        for status, codes in self.error_codes.items():
            if status in operation["responses"]:
                operation["responses"][status]["x-error-codes"] = codes
        return operation

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if self.view.throttle_classes and (str(status_code) < "300" or str(status_code) == "429"):
            for name, description in RATE_LIMIT_HEADERS.items():
                headers.setdefault(name, {"schema": {"type": "integer"}, "description": description})
            if str(status_code) == "429":
                headers["Retry-After"] = {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before trying again.",
                }
        return headers
