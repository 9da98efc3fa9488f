"""Domain errors.

A service refuses by raising a ``DomainError`` subclass. Each carries a stable machine
``code`` and a human ``message``; the API's exception handler turns it into a 4xx JSON
body and pages show the message as a form error. Subclasses name the refusal
(``SoldOut``, ``IllegalTransition`` ...).
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    default_message = _("The request could not be completed.")
    status_code = 400

    def __init__(self, message=None, *, code=None, details=None, status_code=None):
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.details = details or {}
        super().__init__(self.message)

    def as_dict(self):
        body = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    code = "not_found"
    default_message = _("Not found.")
    status_code = 404


class Forbidden(DomainError):
    code = "forbidden"
    default_message = _("You do not have permission to do this.")
    status_code = 403


class Conflict(DomainError):
    code = "conflict"
    default_message = _("The request conflicts with the current state.")
    status_code = 409
