"""Personal data held by accounts: the profile, children, staff memberships and signed-in
devices."""

from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from skypark.privacy.registry import Section, json_value, not_personal, register, rows

from .models import AuthSession, Child, MerchantMembership, PhoneCode, new_customer_code

PROFILE_FIELDS = (
    "id",
    "phone",
    "email",
    "name",
    "language",
    "birth_date",
    "phone_verified",
    "email_verified",
    "customer_code",
    "is_active",
    "date_joined",
    "last_login",
)


def export(user):
    return {
        "profile": {name: json_value(getattr(user, name)) for name in PROFILE_FIELDS},
        "children": rows(Child.objects.filter(parent=user).order_by("pk")),
        "merchant_memberships": rows(MerchantMembership.objects.filter(user=user).order_by("pk")),
        "signed_in_devices": rows(
            AuthSession.objects.filter(user=user).order_by("pk"),
            exclude=("session_key", "refresh_jti"),
        ),
    }


def erase(user):
    from skypark.privacy.services import erased_email, erased_name, erased_phone

    if user.phone == erased_phone(user.pk) and not user.is_active:
        return  # erased before: a second run changes nothing
    # The personal code printed on the card stops identifying anyone.
    user.customer_code = new_customer_code()
    user.name = erased_name(user.pk)
    user.phone = erased_phone(user.pk)
    user.email = erased_email(user.pk)
    user.birth_date = None
    user.phone_verified = False
    user.email_verified = False
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    # Children are the customer's alone (tickets keep their own snapshot, scrubbed by parks).
    Child.objects.filter(parent=user).delete()
    MerchantMembership.objects.filter(user=user).delete()
    PhoneCode.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    # Devices and addresses go; the sessions themselves were ended with the log-out.
    AuthSession.objects.filter(user=user).delete()


def blockers(user):
    if user.is_staff or user.is_superuser:
        return [_("A staff account is closed by an administrator in the back-office.")]
    return []


register(
    Section(
        key="accounts",
        export=export,
        erase=erase,
        blockers=blockers,
        covers=(
            "accounts.Child.parent",
            "accounts.MerchantMembership.user",
            "accounts.Merchant.staff",
            "accounts.AuthSession.user",
        ),
        order=10,
    )
)
not_personal(
    "accounts.PhoneCode.user",
    reason="one-time codes, stored hashed and deleted by the erasure",
)
not_personal("otp_totp.TOTPDevice.user", reason="a staff log-in credential, deleted by the erasure")
not_personal("otp_static.StaticDevice.user", reason="staff recovery codes, deleted by the erasure")
not_personal("accounts.MerchantApiKey.created_by", reason="the member of staff who issued a merchant's key")
