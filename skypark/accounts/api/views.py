from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from skypark.core.api.ratelimit import ScopedRateThrottle
from skypark.core.api.serializers import ErrorOutput
from skypark.core.client_ip import client_ip
from skypark.core.errors import NotFound

from .. import phone_verification, services, signup
from ..auth_sessions import session_revoke, sessions_revoke_all
from ..models import AuthSession, Child, MerchantApiKey, User
from ..selectors import active_sessions
from .auth import IsCustomer, PartnerApiMixin
from .serializers import (
    ApiKeySerializer,
    ChildSerializer,
    LoginTokenSerializer,
    LogoutInput,
    LogoutOutput,
    MerchantSerializer,
    PartnerMeSerializer,
    PhoneCodeInput,
    PhoneVerificationConfirmed,
    PhoneVerificationSent,
    ProfileSerializer,
    ProfileUpdateInput,
    RegisterCodeInput,
    RegisterInput,
    SessionOutput,
    TokenPairOutput,
)


class LoginThrottleMixin:
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"


@extend_schema(
    tags=["auth"],
    summary="Log in: obtain an access and a refresh token",
    description=(
        "Too many wrong passwords for one login from one address (or for many logins from one "
        "address) lock that combination for a while: the answer is then 429 with the code "
        "`login_locked`, even for the right password. The same for unknown logins. Staff who use "
        "two-factor log-in send the authenticator's code (or a recovery code) as `otp`; without it "
        "the answer is 401 `mfa_required`, with a wrong one 400 `mfa_code_invalid`; staff who must "
        "use it and have not set it up get 403 `mfa_setup_required`."
    ),
    responses={
        200: TokenPairOutput,
        400: OpenApiResponse(ErrorOutput, description="`mfa_code_invalid`: wrong second-factor code"),
        401: OpenApiResponse(
            ErrorOutput, description="`no_active_account`: wrong login or password; `mfa_required`: `otp` missing"
        ),
        403: OpenApiResponse(ErrorOutput, description="`mfa_setup_required`: two-factor log-in not set up yet"),
        429: OpenApiResponse(ErrorOutput, description="`login_locked`: too many failed attempts"),
    },
    examples=[OpenApiExample("phone", value={"login": "+996555123456", "password": "secret-pass"}, request_only=True)],
)
class TokenObtainApi(TokenObtainPairView):
    serializer_class = LoginTokenSerializer


@extend_schema(tags=["auth"], summary="Exchange a refresh token for a new pair")
class TokenRefreshApi(LoginThrottleMixin, TokenRefreshView):
    pass


class RegisterCodeApi(LoginThrottleMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["auth"],
        summary="Sign up, step 1: send a sign-up code to a phone",
        description=(
            "Always answers 202 for a valid phone number: a number nobody has gets a six-digit "
            "code by SMS, and a number that already has an account gets a message telling its "
            "owner to log in instead, so the answer does not tell who is a customer. "
            "Errors: `validation_error` (400), `signup_rate_limited` (429)."
        ),
        request=RegisterCodeInput,
        responses={202: PhoneVerificationSent},
    )
    def post(self, request):
        data = RegisterCodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        phone = data.validated_data["phone"]
        signup.signup_code_send(phone=phone, ip=client_ip(request), language=data.validated_data["language"])
        body = {"phone": phone, "expires_in": signup.code_minutes() * 60}
        return Response(PhoneVerificationSent(body).data, status=status.HTTP_202_ACCEPTED)


class RegisterApi(LoginThrottleMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["auth"],
        summary="Sign up, step 2: create the account with the code from the SMS",
        description=(
            "Creates the customer, with the phone confirmed. A wrong, expired or used code and a "
            "number that already has an account get the same answer, `signup_code_invalid` "
            "(400). An e-mail that another account has is not added (its owner is told); the "
            "answer shows `email` empty then. Errors: `validation_error` (400), "
            "`signup_code_invalid` (400), `signup_rate_limited` (429)."
        ),
        request=RegisterInput,
        responses={201: ProfileSerializer},
        examples=[
            OpenApiExample(
                "new customer",
                request_only=True,
                value={
                    "phone": "0555 123 456",
                    "code": "123456",
                    "password": "long-secret-1",
                    "name": "Aida",
                    "language": "ky",
                },
            )
        ],
    )
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = signup.signup_complete(ip=client_ip(request), **data.validated_data)
        return Response(ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


def _current_session_id(request):
    payload = getattr(request.auth, "payload", None) or {}
    return payload.get("sid")


class LogoutApi(APIView):
    permission_classes = [IsCustomer]
    # JSON only: an unknown form field would otherwise be ignored silently.
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["auth"],
        summary="Log out: end this session, or every session of the account",
        description=(
            "Ends the session the access token belongs to: its refresh token is blacklisted and its "
            "access tokens stop working within seconds. With `all`, every session of the account "
            "ends (web log-ins included) and every token issued so far stops working."
        ),
        request=LogoutInput,
        responses={200: LogoutOutput, 401: OpenApiResponse(ErrorOutput, description="Not logged in")},
    )
    def post(self, request):
        data = LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["all"]:
            ended = sessions_revoke_all(user=request.user, reason="logout_all")
        else:
            session_id = _current_session_id(request)
            ended = int(bool(session_id) and session_revoke(session_id=session_id, user=request.user))
        return Response(LogoutOutput({"ended": ended}).data)


@extend_schema(tags=["customer"])
class SessionListApi(generics.ListAPIView):
    permission_classes = [IsCustomer]
    serializer_class = SessionOutput
    pagination_class = None

    @extend_schema(summary="My signed-in devices (sessions that have not ended)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuthSession.objects.none()
        return active_sessions(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "current_session_id": _current_session_id(self.request)}


class SessionDetailApi(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["customer"],
        summary="End one of my sessions (log that device out)",
        request=None,
        responses={204: None, 404: OpenApiResponse(ErrorOutput, description="No such session of yours")},
    )
    def delete(self, request, pk):
        if not session_revoke(session_id=pk, user=request.user):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(tags=["customer"], summary="My profile with my children", responses=ProfileSerializer)
    def get(self, request):
        user = User.objects.prefetch_related("children").get(pk=request.user.pk)
        return Response(ProfileSerializer(user).data)

    @extend_schema(
        tags=["customer"], summary="Update my profile", request=ProfileUpdateInput, responses=ProfileSerializer
    )
    def patch(self, request):
        data = ProfileUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.customer_update(user=request.user, **data.validated_data)
        user = User.objects.prefetch_related("children").get(pk=request.user.pk)
        return Response(ProfileSerializer(user).data)


class PhoneVerificationSendApi(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["customer"],
        summary="Send me a code to confirm my phone",
        description=(
            "Sends a six-digit code by SMS to the customer's phone. Errors: "
            "`phone_already_verified` (409), `phone_verification_rate_limited` (429)."
        ),
        request=None,
        responses={202: PhoneVerificationSent},
    )
    def post(self, request):
        phone_verification.phone_verification_send(user=request.user, ip=client_ip(request))
        body = {"phone": request.user.phone, "expires_in": phone_verification.code_minutes() * 60}
        return Response(PhoneVerificationSent(body).data, status=status.HTTP_202_ACCEPTED)


class PhoneVerificationConfirmApi(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["customer"],
        summary="Confirm my phone with the code from the SMS",
        description=(
            "Errors: `phone_verification_code_invalid` (400: wrong, expired, used or exhausted "
            "code), `phone_already_verified` (409), `phone_verification_rate_limited` (429)."
        ),
        request=PhoneCodeInput,
        responses={200: PhoneVerificationConfirmed},
    )
    def post(self, request):
        data = PhoneCodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = phone_verification.phone_verification_confirm(
            user=request.user, code=data.validated_data["code"], ip=client_ip(request)
        )
        return Response(PhoneVerificationConfirmed({"phone": user.phone, "phone_verified": True}).data)


@extend_schema(tags=["customer"])
class ChildListApi(generics.ListCreateAPIView):
    permission_classes = [IsCustomer]
    serializer_class = ChildSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Child.objects.none()
        return Child.objects.filter(parent=self.request.user, is_active=True)

    def create(self, request, *args, **kwargs):
        data = ChildSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        child = services.child_add(parent=request.user, **data.validated_data)
        return Response(ChildSerializer(child).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["customer"])
class ChildDetailApi(generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [IsCustomer]
    serializer_class = ChildSerializer
    http_method_names = ["get", "patch", "delete"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Child.objects.none()
        return Child.objects.filter(parent=self.request.user, is_active=True)

    def update(self, request, *args, **kwargs):
        child = self.get_object()
        data = ChildSerializer(child, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        child = services.child_update(child=child, actor=request.user, **data.validated_data)
        return Response(ChildSerializer(child).data)

    def destroy(self, request, *args, **kwargs):
        services.child_remove(child=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PartnerMeApi(PartnerApiMixin, APIView):
    api_errors = ()

    @extend_schema(
        tags=["partner"],
        summary="The merchant this API key belongs to",
        description="With the key's `mode`: `live` or `test`.",
        responses=PartnerMeSerializer,
    )
    def get(self, request):
        return Response({**MerchantSerializer(self.merchant).data, "mode": request.auth.mode})


class PartnerMerchantDetailApi(PartnerApiMixin, APIView):
    api_errors = ()

    @extend_schema(tags=["partner"], summary="A merchant by code (only your own)", responses=MerchantSerializer)
    def get(self, request, code):
        if code != self.merchant.code:
            # Another merchant's data does not exist as far as this key is concerned.
            raise NotFound()
        return Response(MerchantSerializer(self.merchant).data)


class PartnerApiKeyListApi(PartnerApiMixin, generics.ListAPIView):
    api_errors = ()

    serializer_class = ApiKeySerializer

    @extend_schema(tags=["partner"], summary="Your merchant's API keys (metadata only)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MerchantApiKey.objects.none()
        return self.merchant.api_keys.order_by("-created_at")
