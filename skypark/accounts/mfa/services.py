"""Policy and writes of staff two-factor log-in (see the package docstring)."""

import base64
import io

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from skypark.audit.services import audit_log
from skypark.core.errors import Conflict, DomainError

from ..models import MerchantMembership

ADMIN_ROLES = (MerchantMembership.Role.OWNER, MerchantMembership.Role.MANAGER)
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class MfaCodeInvalid(DomainError):
    code = "mfa_code_invalid"
    default_message = _("This code is wrong. Check the time on your phone and try again.")


class MfaThrottled(DomainError):
    code = "mfa_throttled"
    status_code = 429
    default_message = _("Too many wrong codes. Wait a minute and try again.")


class MfaAlreadyEnrolled(Conflict):
    code = "mfa_already_enrolled"
    default_message = _("Two-factor log-in is already set up for this account.")


def mfa_required(user) -> bool:
    """Whether ``user`` may open the back-office only with a second factor."""
    if not settings.STAFF_MFA_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return MerchantMembership.objects.filter(user=user, role__in=ADMIN_ROLES).exists()


def mfa_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(*, user) -> TOTPDevice:
    """The user's not yet confirmed authenticator (made on first call, so reloading the
    set-up page keeps the same secret). Refused once a device is confirmed: a second
    one is set up only after a reset."""
    if mfa_enrolled(user):
        raise MfaAlreadyEnrolled()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it by hand: base32, in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` URI of ``device`` as an inline SVG QR code."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def _verify_locked(device, token) -> bool:
    """``device.verify_token`` on the device's locked row, so that concurrent tries are
    counted one after another by the throttle and a code is accepted once."""
    device = type(device).objects.select_for_update().get(pk=device.pk)
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise MfaThrottled()
    return device.verify_token(token), device


def _clean_token(token) -> str:
    return "".join(str(token or "").split()).lower()


def totp_enrol_confirm(*, user, device_id, token, ip=None) -> list[str]:
    """Confirms the pending authenticator with its first code and issues new recovery
    codes (replacing any earlier ones); returns the codes, which are never shown again.
    A wrong code is counted by the device's throttle (committed before the refusal)."""
    device = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise MfaAlreadyEnrolled() if mfa_enrolled(user) else MfaCodeInvalid()
    with transaction.atomic():
        ok, device = _verify_locked(device, _clean_token(token))
    if not ok:
        raise MfaCodeInvalid()
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = recovery_codes_issue(user=user)
        audit_log(actor=user, action="accounts.mfa.enrolled", obj=user, data={"ip": ip})
    device.confirmed = True
    return codes


def recovery_codes_issue(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    while len(codes) < settings.STAFF_MFA_RECOVERY_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def mfa_verify(*, user, token, ip=None):
    """The device that accepts ``token``: a six-digit code goes to the authenticator, any
    other to the recovery codes (a recovery code is spent). Raises ``MfaCodeInvalid`` or
    ``MfaThrottled``; a failure is counted on the device and kept."""
    token = _clean_token(token)
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None or not token:
        raise MfaCodeInvalid()
    with transaction.atomic():
        ok, device = _verify_locked(device, token)
    if not ok:
        raise MfaCodeInvalid()
    audit_log(
        actor=user,
        action="accounts.mfa.recovery_code_used" if model is StaticDevice else "accounts.mfa.verified",
        obj=user,
        data={"ip": ip},
    )
    return device


@transaction.atomic
def mfa_reset(*, user, actor, ip=None) -> int:
    """Removes every authenticator and recovery code of ``user`` (they set it up again
    at their next log-in); returns how many devices were removed."""
    removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
    removed += StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
    audit_log(actor=actor, action="accounts.mfa.reset", obj=user, data={"devices": removed, "ip": ip})
    return removed
