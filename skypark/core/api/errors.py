"""One JSON error shape for the whole API.

Every error response is ``{"error": {"code": str, "message": str, "details": {...}}}``.
``details`` carries per-field messages for validation errors.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from skypark.core.errors import DomainError

from .documented_errors import check_documented

logger = logging.getLogger(__name__)


def _first_message(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _codes(detail):
    if isinstance(detail, dict):
        return {key: _codes(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_codes(item) for item in detail]
    return {"code": getattr(detail, "code", "invalid"), "message": str(detail)}


def exception_handler(exc, context):
    response = _exception_response(exc, context)
    if response is not None:
        check_documented(context.get("view"), context["request"], response.status_code, response.data["error"]["code"])
    return response


def error_response(code, message, status_code, details=None, headers=None):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return Response({"error": body}, status=status_code, headers=headers)


def _exception_response(exc, context):
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.message, exc.status_code, exc.details or None)
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response("validation_error", exc.messages[0], 400, details)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_response(
            "validation_error",
            _first_message(detail) or _("Invalid input."),
            status.HTTP_400_BAD_REQUEST,
            _codes(detail),
        )
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(code, dict):  # e.g. simplejwt's {"detail": ..., "code": "token_not_valid"}
        code = code.get("code") or code.get("detail")
    if not isinstance(code, str):
        code = "error"
    if isinstance(exc, exceptions.Throttled):
        code = "throttled"
    return error_response(
        code, _first_message(response.data.get("detail", response.data)), response.status_code, headers=headers
    )
