"""Limit the back-office to a merchant's own data for merchant staff.

Superusers, and staff with the ``accounts.view_all_merchants`` permission, see
everything ("network staff"); a user whose only link is a merchant membership
("merchant staff") sees rows of their merchant(s) only.

Every ModelAdmin declares whose rows it shows with ``scope`` and inherits
``ScopedAdminMixin``, the one place that enforces it for merchant staff:

``merchant``
    Rows belong to a merchant (``merchant_lookup``, the ORM path to its id; a tuple when
    a row belongs to each merchant any of the paths names). Merchant staff see and act
    on their merchant's rows only.
``customer``
    Rows belong to a customer (``customer_lookup``: the path to the user, ``""`` when the
    row is the customer; a tuple when a row names several customers, all of whom must be
    visible). Merchant staff see a customer only if the customer holds an account with
    their merchant (``customer_page.customer_scope``); they may only look, never add,
    change, delete, run actions or read the change history.
``global``
    The network's catalogue (tiers, badges, event types, parks, courses): merchant staff
    may read it, never change it.
``network``
    For network staff only (children, orders, the audit log, jobs, settings, tokens):
    merchant staff get no module, no list and a 403 on every page.

The scope is checked at start-up (``skypark.core.checks``) and by the authorisation
matrix over ``admin.site._registry``, so a new admin without one fails both.
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.urls import URLPattern

from .models import Merchant

MERCHANT = "merchant"
CUSTOMER = "customer"
GLOBAL = "global"
NETWORK = "network"
SCOPES = (MERCHANT, CUSTOMER, GLOBAL, NETWORK)


def merchant_ids_for(user):
    """``None`` for users who see every merchant, else the set of their merchants' ids
    (empty for anyone who is not a logged-in member, e.g. on the admin login page)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser or user.has_perm("accounts.view_all_merchants"):
        return None
    cached = getattr(user, "_merchant_ids_cache", None)
    if cached is None:
        cached = set(user.merchant_memberships.values_list("merchant_id", flat=True))
        user._merchant_ids_cache = cached
    return cached


def is_merchant_staff(user):
    """True for a member of some merchant who does not see every merchant. (Staff with
    neither, e.g. course instructors, see no merchant's rows and no customer, and
    otherwise what their permissions give.)"""
    return bool(merchant_ids_for(user))


def customers_of(merchant_ids, queryset):
    """``queryset`` of users cut to the customers of ``merchant_ids``."""
    from .customer_page import customer_condition

    condition = customer_condition(merchant_ids)
    return queryset.none() if condition is None else queryset.filter(condition)


def scoped_queryset(model_admin, queryset, merchant_ids):
    """``queryset`` as merchant staff of ``merchant_ids`` may see it under the admin's
    declared scope."""
    scope = model_admin.scope
    if scope == MERCHANT:
        lookups = model_admin.merchant_lookup
        condition = Q()
        for lookup in (lookups,) if isinstance(lookups, str) else lookups:
            condition |= Q(**{f"{lookup}__in": merchant_ids})
        return queryset.filter(condition)
    if scope == CUSTOMER:
        from .models import User

        lookups = model_admin.customer_lookup
        for lookup in (lookups,) if isinstance(lookups, str) else lookups:
            if lookup in ("", "pk"):
                queryset = customers_of(merchant_ids, queryset)
            else:
                visible = customers_of(merchant_ids, User.objects.all()).values("pk")
                queryset = queryset.filter(**{f"{lookup}__in": visible})
        return queryset
    if scope == NETWORK and merchant_ids:
        return queryset.none()
    return queryset


class ScopedAdminMixin:
    """Enforces the admin's declared ``scope`` (see the module docstring) on the list,
    the change and history pages, the autocomplete, the export, actions and the merchant
    choices of forms. Put it first among an admin's bases."""

    scope = None
    merchant_lookup = "merchant"
    customer_lookup = "customer"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = merchant_ids_for(request.user)
        if ids is None:
            return qs
        return scoped_queryset(self, qs, ids)

    def _limited(self, request):
        return is_merchant_staff(request.user)

    def read_only_for(self, request):
        """True when ``request.user`` may only look (merchant staff outside the
        merchant scope); custom write views of the admin check it too."""
        return self.scope != MERCHANT and self._limited(request)

    @property
    def urls(self):
        """Every page of a network-only admin, its own views included, refuses merchant
        staff before it runs."""
        urls = self.get_urls()
        if self.scope != NETWORK:
            return urls
        return [
            URLPattern(u.pattern, _closed_to_merchant_staff(u.callback), u.default_args, u.name)
            if isinstance(u, URLPattern)
            else u
            for u in urls
        ]

    def has_module_permission(self, request):
        if self.scope == NETWORK and self._limited(request):
            return False
        return super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if self.scope == NETWORK and self._limited(request):
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        if self.read_only_for(request):
            return False
        return super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        if self.read_only_for(request):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self.read_only_for(request):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        if self.read_only_for(request):
            return {}
        return super().get_actions(request)

    def history_view(self, request, object_id, extra_context=None):
        # A customer's history holds every field ever written (birth date, e-mail...).
        if self.scope in (CUSTOMER, NETWORK) and self._limited(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = merchant_ids_for(request.user)
        if ids is not None and db_field.related_model is Merchant:
            kwargs["queryset"] = Merchant.objects.filter(pk__in=ids)
            if self.scope == MERCHANT and db_field.name == self.merchant_lookup:
                # A row merchant staff leave without a merchant (a community event) would
                # be one they can no longer see: the field that owns the row is required,
                # and their merchant is the default when they have one.
                kwargs["required"] = True
                if len(ids) == 1:
                    kwargs.setdefault("initial", next(iter(ids)))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """For staff limited to some merchants, a filter by a related object (merchant,
        event, badge, ...) offers only the values of the rows they can see, never the
        names of other merchants' things."""
        filters = super().get_list_filter(request)
        if merchant_ids_for(request.user) is None:
            return filters
        return [(f, admin.RelatedOnlyFieldListFilter) if _is_relation_path(self.model, f) else f for f in filters]


def _closed_to_merchant_staff(view):
    def closed(request, *args, **kwargs):
        if is_merchant_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return update_wrapper(closed, view)


def _is_relation_path(model, list_filter):
    if not isinstance(list_filter, str):
        return False
    try:
        field = get_fields_from_path(model, list_filter)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return False
    return getattr(field, "related_model", None) is not None


def scope_problems(model_admin):
    """What is wrong with an admin's scope declaration (empty when it is fine)."""
    name = type(model_admin).__name__
    if not isinstance(model_admin, ScopedAdminMixin):
        return [f"{name} does not inherit ScopedAdminMixin"]
    if model_admin.scope not in SCOPES:
        return [f"{name}.scope is {model_admin.scope!r}; declare one of {', '.join(SCOPES)}"]
    model = model_admin.model
    paths = []
    if model_admin.scope == MERCHANT:
        lookups = model_admin.merchant_lookup
        paths = [lookups] if isinstance(lookups, str) else list(lookups)
    elif model_admin.scope == CUSTOMER:
        lookups = model_admin.customer_lookup
        paths = [p for p in ((lookups,) if isinstance(lookups, str) else lookups) if p not in ("", "pk")]
    for path in paths:
        try:
            get_fields_from_path(model, path)
        except (FieldDoesNotExist, NotRelationField):
            return [f"{name}: {path!r} is not a path from {model._meta.label}"]
    return []
