"""``{{ amount|money:currency }}``: an amount as ``skypark.core.formatting.format_money``
writes it for the active language. Loaded for every template (a builtin)."""

from django import template

from skypark.core.formatting import format_money

register = template.Library()


@register.filter(is_safe=True)
def money(amount, currency="KGS"):
    return format_money(amount, currency)
