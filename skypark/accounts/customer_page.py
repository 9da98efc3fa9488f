"""The customer page of the back-office: everything about one customer on one page.

Accounts knows nothing of orders, tickets or points; each app contributes a panel from
its ``backoffice.py`` with ``@customer_panel(order=…)``: a function
``(request, customer, scope) -> CustomerPanel | None`` that reads a bounded number of rows
with a fixed number of queries (so the page costs the same however much the customer
bought) and returns ``None`` when the user may not see it.

Merchant staff see a customer only if some app's ``@customer_scope`` says the customer
belongs to one of their merchants (loyalty: an account with the merchant), and each panel
shows only their merchant's rows, or nothing where its rows have no merchant.
"""

from dataclasses import dataclass, field

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_scoping import merchant_ids_for

ROWS = 10

_panels = []
_scopes = []


@dataclass
class Link:
    text: object
    url: str


@dataclass
class CustomerPanel:
    title: str
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # [[cell, ...]]; a cell is a value or a Link
    total: int | None = None
    more_url: str = ""
    figures: list = field(default_factory=list)  # [(label, value)]
    order: int = 100
    key: str = ""

    @property
    def has_more(self):
        return self.total is not None and self.total > len(self.rows)


@dataclass(frozen=True)
class Scope:
    """Whose rows the viewer may see: ``merchant_ids`` is ``None`` for staff who see
    every merchant, else their merchants' ids."""

    merchant_ids: frozenset | None

    @property
    def everything(self):
        return self.merchant_ids is None


def customer_panel(order=100):
    def register(provider):
        provider.panel_order = order
        _panels.append(provider)
        return provider

    return register


def customer_scope(func):
    """Register ``func(merchant_ids) -> Q`` over users: the customers of those merchants."""
    _scopes.append(func)
    return func


def scope_for(user):
    ids = merchant_ids_for(user)
    return Scope(None if ids is None else frozenset(ids))


def customer_condition(merchant_ids):
    """A ``Q`` over users that holds for the customers of ``merchant_ids``, or ``None``
    when no customer can be theirs."""
    if not merchant_ids or not _scopes:
        return None
    condition = Q()
    for func in _scopes:
        condition |= func(frozenset(merchant_ids))
    return condition


def customers_visible_to(user, queryset):
    scope = scope_for(user)
    if scope.everything:
        return queryset
    condition = customer_condition(scope.merchant_ids)
    return queryset.none() if condition is None else queryset.filter(condition)


def panels_for(request, customer):
    scope = scope_for(request.user)
    panels = []
    for provider in sorted(_panels, key=lambda p: p.panel_order):
        panel = provider(request, customer, scope)
        if panel is not None:
            panel.order = provider.panel_order
            panels.append(panel)
    return panels


def admin_link(obj, text=None):
    """A cell linking to ``obj``'s change page in the admin."""
    opts = obj._meta
    return Link(
        text if text is not None else str(obj),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
    )


def changelist_url(model, **params):
    from urllib.parse import urlencode

    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?" + urlencode(params)


class CustomerPageAdminMixin:
    """For the customer ModelAdmin: the customer page, a link to it from each row of the
    changelist and from the change form, and the merchant boundary on every view."""

    customer_page_template = "admin/accounts/user/customer_page.html"

    def get_queryset(self, request):
        return customers_visible_to(request.user, super().get_queryset(request))

    def get_urls(self):
        return [
            path(
                "<int:user_id>/customer/",
                self.admin_site.admin_view(self.customer_page_view),
                name="accounts_user_customer_page",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("customer page"))
    def customer_page_link(self, user):
        return format_html(
            '<a href="{}" class="customer-page-link">{}</a>',
            reverse("admin:accounts_user_customer_page", args=[user.pk]),
            _("open"),
        )

    def customer_page_view(self, request, user_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = get_object_or_404(customers_visible_to(request.user, self.model.objects.all()), pk=user_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Customer: %(name)s") % {"name": customer},
            "customer": customer,
            "panels": panels_for(request, customer),
            "can_change": self.has_change_permission(request, customer),
            "can_see_history": merchant_ids_for(request.user) is None,
        }
        return TemplateResponse(request, self.customer_page_template, context)
