from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError


class ShiftNotOpen(Conflict):
    code = "shift_not_open"
    default_message = _("This shift is closed.")


class ShiftAlreadyOpen(Conflict):
    code = "shift_already_open"
    default_message = _("This desk or cashier already has an open shift.")


class NotEnoughCash(DomainError):
    code = "not_enough_cash"
    default_message = _("There is not that much cash in the drawer.")


class NotYourShift(DomainError):
    code = "not_your_shift"
    default_message = _("Only the cashier of a shift works on it.")
    status_code = 403
