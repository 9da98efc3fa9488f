"""Partner authentication: ``Authorization: Api-Key sk_<prefix>.<secret>``.

A request authenticated this way has ``request.user`` = a ``PartnerPrincipal`` and
``request.auth`` = the ``MerchantApiKey``; views read ``request.auth.merchant`` and never
take a merchant from the URL or body on trust.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from skypark.core.api.ratelimit import RateLimitReporting
from skypark.core.errors import NotFound

from ..models import MerchantApiKey
from ..plans import api_call_register
from ..services import api_key_lookup, api_key_touch

KEYWORD = "Api-Key"


class PartnerPrincipal:
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, key: MerchantApiKey):
        self.key = key
        self.merchant = key.merchant

    def __str__(self):
        return f"merchant:{self.merchant.code}"


class MerchantApiKeyAuthentication(authentication.BaseAuthentication):
    # The refusals beyond DRF's own (skypark.core.api.documented_errors).
    api_error_codes = ("invalid_api_key", "merchant_inactive")

    def __init__(self, merchant_related=()):
        # Relations of the key's merchant read with the key (see ``api_key_lookup``).
        self.merchant_related = merchant_related

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0] != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid API key header."), code="invalid_api_key")
        try:
            key = api_key_lookup(parts[1], merchant_related=self.merchant_related)
        except NotFound as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code)
        api_key_touch(key=key)
        return PartnerPrincipal(key), key

    def authenticate_header(self, request):
        return KEYWORD


class IsPartner(permissions.BasePermission):
    message = _("A merchant API key is required.")

    def has_permission(self, request, view):
        return isinstance(request.auth, MerchantApiKey)


class IsCustomer(permissions.BasePermission):
    message = _("Log in as a customer.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and not isinstance(request.auth, MerchantApiKey))


class MerchantApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = MerchantApiKeyAuthentication
    name = "MerchantApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key sk_<prefix>.<secret>`, issued per merchant in the admin.",
        }


class PartnerKeyRateThrottle(RateLimitReporting, throttling.SimpleRateThrottle):
    """A rate per merchant API key. DRF's user throttle would key every partner on the
    principal's ``pk``, which is None, so all merchants would share one bucket."""

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, MerchantApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"key{request.auth.pk}"}


class PartnerRateThrottle(PartnerKeyRateThrottle):
    scope = "partner"


class CouponRateThrottle(PartnerKeyRateThrottle):
    """Coupon checks and redemptions, so that codes cannot be guessed at POS speed."""

    scope = "coupon"


class PlanApiCallsThrottle(throttling.BaseThrottle):
    """The API calls per month of the merchant's plan (``skypark.accounts.plans``):
    refuses with 429 ``plan_api_calls_exhausted``, not DRF's ``throttled``, so the partner
    knows it is the plan and not the rate."""

    api_error_codes = ("plan_api_calls_exhausted",)

    def allow_request(self, request, view):
        if isinstance(request.auth, MerchantApiKey) and not request.auth.is_test:
            api_call_register(request.auth.merchant)
        return True


class PartnerApiMixin:
    # Base for partner endpoints: API-key auth only, partner permission, partner throttle.
    # (A comment, not a docstring: the API schema would show it as the description of
    # every partner operation that has none of its own.)

    authentication_classes = [MerchantApiKeyAuthentication]
    permission_classes = [IsPartner]
    throttle_classes = [PartnerRateThrottle, PlanApiCallsThrottle]
    # Relations of the key's merchant that every call of the API needs: read with the
    # key, in the same query.
    merchant_related: tuple[str, ...] = ()

    def get_authenticators(self):
        return [auth(merchant_related=self.merchant_related) for auth in self.authentication_classes]

    @property
    def merchant(self):
        return self.request.auth.merchant

    @property
    def is_test(self) -> bool:
        # Called with a test key (``sk_test_``): reads and writes only test rows.
        return self.request.auth.is_test
