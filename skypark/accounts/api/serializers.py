from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from skypark.core.client_ip import client_ip

from .. import services
from ..auth_sessions import api_session_start
from ..lockout import LoginLocked, is_locked_out, login_succeeded
from ..models import AuthSession, Child, Language, Merchant, MerchantApiKey, User
from ..phones import normalise_phone


class PhoneField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return normalise_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code="phone_invalid")


class MfaRequired(exceptions.AuthenticationFailed):
    default_code = "mfa_required"
    default_detail = _("Enter the code from your authenticator app (or a recovery code) as otp.")


class MfaSetupRequired(exceptions.PermissionDenied):
    default_code = "mfa_setup_required"
    default_detail = _("This account must use two-factor log-in: set it up in the back-office first.")


class LoginTokenSerializer(TokenObtainPairSerializer):
    """Obtain a JWT pair with a phone number or e-mail (``login``) and password. Staff
    who log in to the back-office with a second factor give it here too (``otp``), so a
    password alone never buys what the back-office guards with two factors."""

    username_field = "login"
    default_error_messages = {"no_active_account": _("Wrong phone/e-mail or password.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["otp"] = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=32,
            help_text="Staff with two-factor log-in: the six-digit code from the authenticator, or a recovery code.",
        )

    def validate(self, attrs):
        request = self.context["request"]
        try:
            # TokenObtainSerializer's check of the login and password (sets self.user).
            super(TokenObtainPairSerializer, self).validate(attrs)
        except exceptions.AuthenticationFailed:
            if is_locked_out(request):
                raise LoginLocked() from None
            raise
        self._second_factor(attrs.get("otp") or "", request)
        login_succeeded(request=request, user=self.user)
        refresh = api_session_start(user=self.user, request=request)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}

    def _second_factor(self, otp, request):
        from ..mfa.services import mfa_enrolled, mfa_required, mfa_verify

        if mfa_enrolled(self.user):
            if not otp.strip():
                raise MfaRequired()
            mfa_verify(user=self.user, token=otp, ip=client_ip(request))
        elif mfa_required(self.user):
            raise MfaSetupRequired()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class SingleUseTokenRefreshSerializer(TokenRefreshSerializer):
    """Rotation in which a refresh token buys exactly one new pair, however many calls
    race with it: ``services.refresh_token_claim`` decides by a unique insert."""

    def validate(self, attrs):
        return services.refresh_token_rotate(raw=attrs["refresh"])


class RegisterCodeInput(serializers.Serializer):
    phone = PhoneField()
    language = serializers.ChoiceField(
        choices=Language.choices, default=Language.RU, help_text="The language of the SMS."
    )


class RegisterInput(serializers.Serializer):
    phone = PhoneField()
    code = serializers.RegexField(r"^\s*\d{6}\s*$", max_length=12, help_text="The six digits from the sign-up SMS.")
    password = serializers.CharField(write_only=True, min_length=8, style={"input_type": "password"})
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True, default=None)
    language = serializers.ChoiceField(choices=Language.choices, default=Language.RU)

    def validate(self, attrs):
        try:
            password_validation.validate_password(
                attrs["password"], User(phone=attrs["phone"], name=attrs.get("name", ""))
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}, code="password_weak")
        return attrs


class ChildSerializer(serializers.ModelSerializer):
    age = serializers.SerializerMethodField(help_text="Full years today.")

    class Meta:
        model = Child
        fields = ("id", "name", "birth_date", "gender", "age")

    def get_age(self, child) -> int:
        return child.age_on(timezone.localdate())

    def validate_birth_date(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The birth date cannot be in the future."), code="birth_date_future")
        return value


class ProfileSerializer(serializers.ModelSerializer):
    children = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = (
            "id",
            "phone",
            "email",
            "name",
            "language",
            "birth_date",
            "phone_verified",
            "email_verified",
            "customer_code",
            "date_joined",
            "children",
        )
        read_only_fields = ("id", "phone", "phone_verified", "email_verified", "customer_code", "date_joined")

    def get_children(self, user) -> list[dict]:
        return ChildSerializer([c for c in user.children.all() if c.is_active], many=True).data


class ProfileUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)

    def validate_birth_date(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("The birth date cannot be in the future."), code="birth_date_future")
        return value


class MerchantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Merchant
        fields = ("code", "name", "status", "currency", "business_email", "address")


class PartnerMeSerializer(MerchantSerializer):
    mode = serializers.ChoiceField(
        choices=MerchantApiKey.Mode.choices,
        help_text=(
            "The calling key's mode: `live`, or `test` (an `sk_test_` key: what it records is flagged as test, "
            "seen only by test keys and never counted in balances, analytics or settlement)."
        ),
    )

    class Meta(MerchantSerializer.Meta):
        fields = (*MerchantSerializer.Meta.fields, "mode")


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = MerchantApiKey
        fields = ("prefix", "name", "mode", "created_at", "last_used_at", "revoked_at")


class PhoneCodeInput(serializers.Serializer):
    code = serializers.RegexField(r"^\s*\d{6}\s*$", max_length=12, help_text="The six digits from the SMS.")


class PhoneVerificationSent(serializers.Serializer):
    phone = serializers.CharField(help_text="E.164")
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")


class PhoneVerificationConfirmed(serializers.Serializer):
    phone = serializers.CharField(help_text="E.164")
    phone_verified = serializers.BooleanField()


class LogoutInput(serializers.Serializer):
    all = serializers.BooleanField(
        default=False, help_text="End every session of the account (all devices), not only this one."
    )


class LogoutOutput(serializers.Serializer):
    ended = serializers.IntegerField(help_text="How many sessions were ended.")


class SessionOutput(serializers.ModelSerializer):
    device = serializers.SerializerMethodField(help_text="A short name of the browser or app and its system.")
    current = serializers.SerializerMethodField(help_text="Whether this is the session making the request.")

    class Meta:
        model = AuthSession
        fields = ("id", "kind", "device", "user_agent", "ip_address", "created_at", "last_used_at", "current")

    def get_device(self, session) -> str:
        from ..devices import device_label

        return str(device_label(session.user_agent))

    def get_current(self, session) -> bool:
        return session.pk == self.context.get("current_session_id")
