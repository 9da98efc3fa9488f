"""The ``next`` address for the language switcher.

Django's ``set_language`` view translates ``next`` into the chosen language only when it
can resolve it in the language active while it runs. ``/i18n/setlang/`` has no language
prefix, so that is always the default language: the current page is therefore handed over
as its address in the default language, whatever prefix it was reached through.
"""

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import translation

register = template.Library()


@register.simple_tag(takes_context=True)
def language_switch_next(context):
    request = context.get("request")
    if request is None:
        return "/"
    fallback = request.get_full_path()
    path_language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    try:
        with translation.override(path_language):
            match = resolve(request.path_info)
    except Resolver404:
        return fallback
    try:
        with translation.override(settings.LANGUAGE_CODE):
            url = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
    except NoReverseMatch:
        return fallback
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url
