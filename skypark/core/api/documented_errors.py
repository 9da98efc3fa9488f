"""Which errors an operation can answer, in one place for raising and documenting.

A view lists the domain errors it (or the services it calls) raises in ``api_errors`` — a
sequence of ``DomainError`` subclasses, or a dict from HTTP method to such a sequence. The
errors every operation shares follow from the view's own configuration: authentication and
permissions (401/403), throttles (429), a JSON body (400 ``validation_error``/``parse_error``,
415), a path parameter or a page number (404). ``documented_errors`` puts both together;
the schema (``ApiAutoSchema``) documents each status with its codes, and the exception handler
refuses, where ``API_ERRORS_MUST_BE_DOCUMENTED`` is on (the test suite), to answer a code that
a view which declares ``api_errors`` has not documented — so the documentation cannot drift
from what the code raises.
"""

from collections import defaultdict

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny

from skypark.core.errors import DomainError

BODY_METHODS = ("POST", "PUT", "PATCH")


class InvalidInput(DomainError):
    """For ``api_errors``: the operation validates query parameters (DRF's
    ``ValidationError`` answers 400 ``validation_error``)."""

    code = "validation_error"


class UndocumentedApiError(AssertionError):
    """An operation answered an error code its documentation does not list."""


def declared_errors(view, method: str) -> list[type[DomainError]]:
    declared = getattr(view, "api_errors", ())
    if isinstance(declared, dict):
        declared = declared.get(method.upper(), ())
    return list(declared)


def declares_errors(view) -> bool:
    return hasattr(view, "api_errors")


def _authenticators(view):
    try:
        return view.get_authenticators()
    except Exception:  # a view building authenticators from the request
        return [auth() for auth in view.authentication_classes]


def _needs_credentials(view) -> bool:
    return not all(issubclass(permission, AllowAny) for permission in view.permission_classes)


def _throttled(view) -> bool:
    return bool(view.throttle_classes)


def documented_errors(view, method: str, *, has_path_parameters: bool) -> dict[str, list[str]]:
    """HTTP status (as a string) → the machine codes an operation may answer with it."""
    method = method.upper()
    codes = defaultdict(list)

    def add(status, code):
        if code not in codes[str(status)]:
            codes[str(status)].append(code)

    if _needs_credentials(view):
        authenticators = _authenticators(view)
        challenge = bool(authenticators) and (
            type(authenticators[0]).authenticate_header is not BaseAuthentication.authenticate_header
        )
        status = 401 if challenge else 403
        add(status, "not_authenticated")
        if authenticators:
            add(status, "authentication_failed")
        for authenticator in authenticators:
            for code in getattr(authenticator, "api_error_codes", ()):
                add(status, code)
        add(403, "permission_denied")
    if method in BODY_METHODS:
        add(400, "validation_error")
        add(400, "parse_error")
        add(415, "unsupported_media_type")
    if getattr(view, "filterset_class", None) is not None:
        add(400, "validation_error")
    if has_path_parameters or getattr(view, "pagination_class", None) and method == "GET" and _is_list(view):
        add(404, "not_found")
    if _throttled(view):
        add(429, "throttled")
        for throttle in view.throttle_classes:
            for code in getattr(throttle, "api_error_codes", ()):
                add(429, code)
    for error in declared_errors(view, method):
        add(error.status_code, error.code)
    return dict(sorted(codes.items()))


def _is_list(view) -> bool:
    from rest_framework.generics import ListAPIView
    from rest_framework.mixins import ListModelMixin

    return isinstance(view, (ListAPIView, ListModelMixin))


def check_documented(view, request, status_code: int, code: str) -> None:
    """Raise ``UndocumentedApiError`` when ``view`` declares its errors and this one is not
    among them (only where ``API_ERRORS_MUST_BE_DOCUMENTED`` is on)."""
    if not getattr(settings, "API_ERRORS_MUST_BE_DOCUMENTED", False) or view is None or not declares_errors(view):
        return
    if status_code < 400 or status_code >= 500 or status_code in (405, 406):
        return
    documented = documented_errors(view, request.method, has_path_parameters=bool(getattr(view, "kwargs", None)))
    if code not in documented.get(str(status_code), []):
        raise UndocumentedApiError(
            f"{type(view).__name__} {request.method} answered {status_code} `{code}`, which its documentation "
            f"does not list ({documented}); add the error to the view's api_errors."
        )
