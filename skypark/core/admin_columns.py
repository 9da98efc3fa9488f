"""Changelist columns shared by the domains' admins."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


@admin.display(description=_("customer"), ordering="customer__name")
def customer_column(obj):
    """The customer's name with the phone beneath it, so the column stays narrow."""
    customer = obj.customer
    if customer is None:
        return "—"
    return format_html('{} <span class="phone">{}</span>', customer.name or "", customer.phone_display)
