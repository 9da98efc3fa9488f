"""Refusals of the gate devices' API, each a 4xx with a machine code."""

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import Conflict, DomainError, Forbidden


class DeviceRevoked(Forbidden):
    code = "device_revoked"
    default_message = _("This gate device was revoked. Register it again.")


class DeviceWrongPark(Forbidden):
    code = "device_wrong_park"
    default_message = _("This gate device belongs to another park.")


class BatchReplayed(Conflict):
    code = "batch_replayed"
    default_message = _("This upload was already received; nothing was changed.")


class ScanInvalid(DomainError):
    """An uploaded scan is malformed or contradicts the server; ``details`` name the
    event and the reason. Nothing of the upload is stored."""

    code = "scan_invalid"
    default_message = _("An uploaded scan is not valid; nothing was stored.")


class ClockInFuture(DomainError):
    code = "clock_in_future"
    default_message = _("A scan is stamped too far in the future; check the device's clock.")


class DeviceUnknown(DomainError):
    code = "device_unknown"
    default_message = _("No gate device has this token.")
    status_code = 401
