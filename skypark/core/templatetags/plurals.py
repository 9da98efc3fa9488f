"""Template filters for choosing plural forms."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plural_n(value):
    """The number to give ``{% blocktranslate count %}`` for ``value``.

    gettext's plural rules take whole numbers only. A whole value (``6``, ``6.00``)
    is returned as an int. A fractional one (``3.5``) is returned as 2: in Russian a
    fraction takes the form used after 2 ("3,5 часа"), in English the plural, and
    Kyrgyz has one form, so 2 picks the right form in every language we serve.
    """
    if value is None or value == "":
        return 0
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return int(number)
    return 2
