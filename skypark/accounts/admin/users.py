"""The users' admin: customers and staff (with their children and merchant memberships),
the forms that create and change them, two-factor reset and log-in unlock. Merchant
staff see a customer of their merchant with what the till needs only. django-otp's own
device admins are unregistered here: they would show the shared secrets."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashField
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import LargeTableAdminMixin
from skypark.core.client_ip import client_ip
from skypark.privacy.admin_actions import download_personal_data

from .. import services
from ..admin_scoping import CUSTOMER, NETWORK, ScopedAdminMixin, merchant_ids_for
from ..admin_search import CustomerSearchAdminMixin
from ..auth_sessions import sessions_revoke_all, web_session_of
from ..customer_page import CustomerPageAdminMixin
from ..mfa.services import mfa_reset
from ..models import Child, MerchantMembership, User
from ..phones import normalise_phone


class UserCreationForm(forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ("phone", "email", "name", "language")

    def clean_phone(self):
        try:
            phone = normalise_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages)
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("A user with this phone number already exists."))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class UserChangeForm(forms.ModelForm):
    password = ReadOnlyPasswordHashField(label=_("Password"))

    class Meta:
        model = User
        fields = (
            "phone",
            "password",
            "name",
            "email",
            "language",
            "birth_date",
            "email_verified",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )

    def clean_phone(self):
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages)


class ChildInline(admin.TabularInline):
    model = Child
    extra = 0
    fields = ("name", "birth_date", "gender", "is_active")


class MembershipInline(admin.TabularInline):
    model = MerchantMembership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("merchant",)
    verbose_name_plural = _("merchant memberships")


@admin.action(description=_("Reset two-factor log-in"), permissions=["mfa_reset"])
def reset_mfa(modeladmin, request, queryset):
    """Removes the users' authenticators and recovery codes (each reset is audited);
    they set up a new authenticator at their next back-office log-in."""
    count = 0
    for user in queryset:
        if mfa_reset(user=user, actor=request.user, ip=client_ip(request)):
            count += 1
    modeladmin.message_user(
        request,
        ngettext("Two-factor log-in was reset for %d user.", "Two-factor log-in was reset for %d users.", count)
        % count,
        messages.SUCCESS,
    )


@admin.action(description=_("Unlock log-in (clear failed attempts)"), permissions=["change"])
def unlock_login(modeladmin, request, queryset):
    removed = sum(services.login_unlock(user=user, actor=request.user) for user in queryset)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d failed log-in attempt record cleared.",
            "%(count)d failed log-in attempt records cleared.",
            removed,
        )
        % {"count": removed},
    )


@admin.register(User)
class UserAdmin(
    ScopedAdminMixin,
    CustomerPageAdminMixin,
    CustomerSearchAdminMixin,
    LargeTableAdminMixin,
    AuditedAdminMixin,
    BaseUserAdmin,
):
    scope = CUSTOMER
    customer_lookup = ""
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    actions = [download_personal_data, reset_mfa, unlock_login]
    list_display = (
        "phone",
        "name",
        "email",
        "children_count",
        "phone_verified",
        "date_joined",
        "customer_page_link",
    )
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        "language",
        "phone_verified",
        "email_verified",
        ("date_joined", admin.DateFieldListFilter),
    )
    search_customer = ""
    search_phone = "phone"
    search_name = "name"
    search_exact = ("customer_code",)
    search_email = "email"
    search_help_text = _("Phone, name, e-mail, customer code, or a code or reference the customer holds.")
    ordering = ("-date_joined",)
    # A phone is confirmed only by the code sent to it, never by hand.
    readonly_fields = ("customer_code", "date_joined", "last_login", "updated_at", "mfa_enabled", "phone_verified")
    inlines = [ChildInline, MembershipInline]
    fieldsets = (
        (None, {"fields": ("phone", "password", "customer_code")}),
        (_("Personal"), {"fields": ("name", "email", "language", "birth_date")}),
        (_("Verification"), {"fields": ("phone_verified", "email_verified")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        (_("Two-factor log-in"), {"fields": ("mfa_enabled",)}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("phone", "name", "email", "language", "password1", "password2")}),
    )

    def get_queryset(self, request):
        # A correlated subquery runs for the page's rows only; a JOIN + GROUP BY would
        # aggregate the whole customer table before the page is cut.
        active_children = (
            Child.objects.filter(parent=OuterRef("pk"), is_active=True)
            .order_by()
            .values("parent")
            .annotate(n=Count("pk"))
            .values("n")
        )
        has_authenticator = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return (
            super()
            .get_queryset(request)
            .annotate(_children=Coalesce(Subquery(active_children), 0), _mfa=Exists(has_authenticator))
        )

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # Set by staff: every session and token of the user ends (staff changing
            # their own password keep this browser, as Django keeps its session).
            user = User.objects.get(pk=id)
            own = user.pk == request.user.pk
            sessions_revoke_all(
                user=user,
                keep_session_id=web_session_of(request) if own else None,
                keep_session_key=request.session.session_key if own else None,
                reason="password_set_by_staff",
                actor=request.user,
            )
        return response

    @admin.display(description=_("children"))
    def children_count(self, user):
        return user._children

    @admin.display(description=_("two-factor log-in"), boolean=True, ordering="_mfa")
    def mfa_enabled(self, user):
        return getattr(user, "_mfa", None)

    def save_model(self, request, obj, form, change):
        if change and "phone" in form.changed_data:
            # A new number is not confirmed until a code sent to it is entered.
            obj.phone_verified = False
        super().save_model(request, obj, form, change)

    def has_mfa_reset_permission(self, request):
        return request.user.is_superuser

    # Merchant staff see a customer of their merchant with what the till needs: no
    # children, birth date, permissions or memberships, contact details masked outside
    # the till role (``masking``).
    merchant_staff_list_display = ("phone_shown", "name", "email_shown", "date_joined", "customer_page_link")
    merchant_staff_fields = ("phone_shown", "customer_code", "name", "email_shown", "language", "date_joined")

    @admin.display(description=_("phone"), ordering="phone")
    def phone_shown(self, user):
        return user.phone_display

    @admin.display(description=_("e-mail"), ordering="email")
    def email_shown(self, user):
        return user.email_display or "—"

    def get_list_display(self, request):
        if merchant_ids_for(request.user) is not None:
            return self.merchant_staff_list_display
        columns = super().get_list_display(request)
        if request.GET.get("is_staff__exact") == "1":
            # A list of staff (the staff-status filter) says who has set up two-factor
            # log-in; customers never do.
            columns = (
                *columns[: columns.index("date_joined")],
                "mfa_enabled",
                *columns[columns.index("date_joined") :],
            )
        return columns

    def get_list_filter(self, request):
        if merchant_ids_for(request.user) is not None:
            return ("language", ("date_joined", admin.DateFieldListFilter))
        return super().get_list_filter(request)

    def get_fieldsets(self, request, obj=None):
        if merchant_ids_for(request.user) is not None:
            return ((None, {"fields": self.merchant_staff_fields}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if merchant_ids_for(request.user) is not None:
            return self.merchant_staff_fields
        return super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        if merchant_ids_for(request.user) is not None:
            return []
        return super().get_inlines(request, obj)


@admin.register(Child)
class ChildAdmin(ScopedAdminMixin, LargeTableAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("name", "parent", "birth_date", "gender", "is_active")
    list_select_related = ("parent",)
    list_filter = ("gender", "is_active")
    search_fields = ("name", "=parent__phone")
    autocomplete_fields = ("parent",)
    show_full_result_count = False


# django-otp registers admins for its devices, which show the shared secrets. Staff see
# whether a user has two-factor log-in on the user's page instead, and a superuser
# resets it there.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
