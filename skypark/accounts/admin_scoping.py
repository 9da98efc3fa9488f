"""Limit the back-office to a merchant's own data for merchant staff.

Superusers, and staff with the ``accounts.view_all_merchants`` permission, see
everything; a user whose only link is a merchant membership sees rows of their
merchant(s) only.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist

from .models import Merchant


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


class MerchantScopedAdminMixin:
    """For ModelAdmins of models that belong to a merchant. ``merchant_lookup`` is the
    ORM path from the model to its merchant id (``"merchant"`` or e.g.
    ``"account__merchant"``)."""

    merchant_lookup = "merchant"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = merchant_ids_for(request.user)
        if ids is None:
            return qs
        return qs.filter(**{f"{self.merchant_lookup}__in": ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = merchant_ids_for(request.user)
        if ids is not None and db_field.related_model is Merchant:
            kwargs["queryset"] = Merchant.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """For merchant staff, a filter by merchant offers only the merchants of the rows
        they can see, never the names of the others."""
        filters = super().get_list_filter(request)
        if merchant_ids_for(request.user) is None:
            return filters
        return [(f, admin.RelatedOnlyFieldListFilter) if _is_merchant_path(self.model, f) else f for f in filters]


def _is_merchant_path(model, list_filter):
    if not isinstance(list_filter, str):
        return False
    try:
        field = get_fields_from_path(model, list_filter)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return False
    return getattr(field, "related_model", None) is Merchant
