import hashlib
import secrets
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skypark.core.models import Currency, TimeStampedModel
from skypark.core.references import random_code

from .masking import contacts_masked, mask_email, mask_phone
from .phones import format_phone, normalise_phone


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    KY = "ky", _("Kyrgyz")
    EN = "en", _("English")


def new_customer_code() -> str:
    return random_code(10)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, phone, password, **extra):
        phone = normalise_phone(phone)
        email = extra.pop("email", None)
        email = self.normalize_email(email) if email else None
        user = self.model(phone=phone, email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, phone, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(phone, password, **extra)

    def create_superuser(self, phone, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(phone, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(phone=username)


class User(AbstractBaseUser, PermissionsMixin):
    """One identity for customers and staff.

    Customers log in with their phone (E.164, normalised) or e-mail; staff are users with
    ``is_staff`` and Django permissions. ``customer_code`` is the personal code printed on
    the loyalty QR card.
    """

    phone = models.CharField(_("phone"), max_length=16, unique=True, help_text=_("E.164, e.g. +996555123456"))
    email = models.EmailField(_("e-mail"), blank=True, null=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.RU)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    email_verified = models.BooleanField(_("e-mail verified"), default=False)
    customer_code = models.CharField(
        _("customer code"), max_length=12, unique=True, default=new_customer_code, editable=False
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Carried by every API token as the "ver" claim; raised to revoke them all at once
    # (skypark.accounts.sessions).
    token_version = models.PositiveIntegerField(_("token version"), default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(condition=models.Q(phone__startswith="+"), name="accounts_user_phone_e164"),
        ]
        indexes = [models.Index(fields=["date_joined"], name="accounts_user_joined_idx")]

    def __str__(self):
        return f"{self.name} ({self.phone_display})" if self.name else self.phone_display

    @property
    def phone_display(self):
        if contacts_masked():
            return mask_phone(self.phone)
        return format_phone(self.phone)

    @property
    def email_display(self):
        return mask_email(self.email) if contacts_masked() else self.email

    def clean(self):
        super().clean()
        if self.phone:
            self.phone = normalise_phone(self.phone)
        if self.email:
            self.email = self.__class__.objects.normalize_email(self.email).strip()
            clash = User.objects.filter(email__iexact=self.email).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"email": _("A user with this e-mail already exists.")})
        else:
            self.email = None

    def get_full_name(self):
        return self.name or self.phone

    def get_short_name(self):
        return (self.name or self.phone).split(" ")[0]


class Child(TimeStampedModel):
    class Gender(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    parent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="children", verbose_name=_("parent"))
    name = models.CharField(_("name"), max_length=255)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["birth_date", "pk"]
        # "Not in the future" is also a CHECK on PostgreSQL (migration 0003); SQLite
        # refuses non-deterministic functions in constraints, so there it is clean() only.
        indexes = [models.Index(fields=["parent", "is_active"], name="accounts_child_parent_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.birth_date and self.birth_date > timezone.localdate():
            raise ValidationError({"birth_date": _("The birth date cannot be in the future.")})

    def age_on(self, on: date) -> int:
        """Full years on the given day (a child born 29 Feb has a birthday on 1 Mar)."""
        return age_on(self.birth_date, on)


def age_on(birth_date: date, on: date) -> int:
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return max(years, 0)


class MerchantPlan(TimeStampedModel):
    """A subscription plan for merchants: the limits a merchant on it works within, as
    data staff edit in the admin. An empty limit means no limit; a merchant without a
    plan has none. ``skypark.accounts.plans`` reads and enforces them."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    monthly_fee = models.DecimalField(_("monthly fee"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    staff_seats = models.PositiveIntegerField(_("staff seats"), null=True, blank=True, help_text=_("Empty: no limit."))
    api_calls_per_month = models.PositiveIntegerField(
        _("API calls per month"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    active_offers = models.PositiveIntegerField(
        _("active offers"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("merchant plan")
        verbose_name_plural = _("merchant plans")
        ordering = ["monthly_fee", "code"]
        constraints = [models.CheckConstraint(condition=models.Q(monthly_fee__gte=0), name="accounts_plan_fee_gte_0")]

    def __str__(self):
        return self.name


class Merchant(TimeStampedModel):
    """A partner business of the network (a café, a shop, a park operator ...)."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("merchant status", "active")
        SUSPENDED = "suspended", pgettext_lazy("merchant status", "suspended")
        CLOSED = "closed", pgettext_lazy("merchant status", "closed")

    name = models.CharField(_("name"), max_length=255)
    code = models.SlugField(_("merchant code"), max_length=32, unique=True)
    business_email = models.EmailField(_("business e-mail"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=255, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KGS)
    staff = models.ManyToManyField(User, through="MerchantMembership", related_name="merchants", blank=True)
    plan = models.ForeignKey(
        MerchantPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merchants",
        verbose_name=_("plan"),
        help_text=_("Empty: no plan limits."),
    )

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]
        permissions = [("view_all_merchants", _("Can see every merchant's data"))]
        constraints = [
            models.UniqueConstraint(
                Lower("business_email"),
                condition=~models.Q(business_email=""),
                name="accounts_merchant_email_ci_unique",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.contact_phone:
            try:
                self.contact_phone = normalise_phone(self.contact_phone)
            except ValidationError as exc:
                raise ValidationError({"contact_phone": exc.messages})

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class MerchantMembership(TimeStampedModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        MANAGER = "manager", _("manager")
        CASHIER = "cashier", _("cashier")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="merchant_memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CASHIER)

    class Meta:
        verbose_name = _("merchant staff member")
        verbose_name_plural = _("merchant staff")
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="accounts_membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.merchant} ({self.get_role_display()})"


API_KEY_PREFIX_LENGTH = 8
API_KEY_LIVE_START = "sk_"
API_KEY_TEST_START = "sk_test_"


def hash_api_key(secret: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough; a slow password hash
    # would only cost CPU on every partner call.
    return hashlib.sha256(secret.encode()).hexdigest()


class MerchantApiKey(models.Model):
    """A partner's credential. Only a hash is stored; the full key is shown once.

    A key is live (``sk_<prefix>.<secret>``) or test (``sk_test_<prefix>.<secret>``): the
    same API, but what a test key writes is flagged ``is_test`` and never reaches a
    balance, the ledger, webhooks, analytics or settlement (``loyalty.services.modes``)."""

    class Mode(models.TextChoices):
        LIVE = "live", _("live")
        TEST = "test", _("test")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100, help_text=_("Where the key is used, e.g. 'POS till 1'."))
    prefix = models.CharField(_("prefix"), max_length=API_KEY_PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    mode = models.CharField(_("mode"), max_length=4, choices=Mode.choices, default=Mode.LIVE, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("merchant API key")
        verbose_name_plural = _("merchant API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.merchant.code}:{self.prefix}… ({self.name})"

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def is_test(self) -> bool:
        return self.mode == self.Mode.TEST

    @staticmethod
    def generate(mode=Mode.LIVE):
        prefix = secrets.token_hex(API_KEY_PREFIX_LENGTH // 2)
        secret = secrets.token_urlsafe(32)
        start = API_KEY_TEST_START if mode == MerchantApiKey.Mode.TEST else API_KEY_LIVE_START
        return prefix, f"{start}{prefix}.{secret}"


class PhoneCode(models.Model):
    """A six-digit code sent by SMS to a phone, for one purpose: resetting a password
    (customers who have no e-mail), proving that the phone is theirs, or signing up with
    it (before the customer exists). Only a
    keyed hash of the code is stored (HMAC with the server secret, so the table alone
    does not give the codes away); it expires after a few minutes, counts wrong guesses
    and is used once (``skypark.accounts.phone_codes``)."""

    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("password reset")
        PHONE_VERIFICATION = "phone_verification", _("phone verification")
        SIGNUP = "signup", _("sign-up")

    # A sign-up code is sent before there is a customer: it belongs to its phone alone.
    user = models.ForeignKey(
        User, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phone_codes", null=True, blank=True
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices, default=Purpose.PASSWORD_RESET)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("The number the code was sent to."))
    code_hash = models.CharField(_("code hash"), max_length=64)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_reset_user_idx"),
            models.Index(fields=["phone", "purpose", "-created_at"], name="accounts_code_phone_idx"),
        ]

    def __str__(self):
        return f"{self.user_id or self.phone} · {self.purpose} · {self.created_at:%Y-%m-%d %H:%M}"


class AuthSession(models.Model):
    """One signed-in device: a web log-in (a Django session) or an API log-in (a family of
    refresh tokens, named by the tokens' "sid" claim). Customers see theirs and can end
    each; ending one ends its Django session or blacklists its refresh token."""

    class Kind(models.TextChoices):
        WEB = "web", _("Web browser")
        API = "api", _("App")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="auth_sessions")
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    session_key = models.CharField(_("session key"), max_length=40, blank=True, editable=False)
    refresh_jti = models.CharField(_("current refresh token id"), max_length=255, blank=True, editable=False)
    user_agent = models.CharField(_("device"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signed-in device")
        verbose_name_plural = _("signed-in devices")
        ordering = ["-last_used_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user", "-last_used_at"],
                name="accounts_authsess_live_idx",
                condition=models.Q(revoked_at__isnull=True),
            ),
            models.Index(fields=["session_key"], name="accounts_authsess_key_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self):
        return self.revoked_at is None
