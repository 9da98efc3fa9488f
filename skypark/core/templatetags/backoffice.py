from django import template

register = template.Library()


@register.inclusion_tag("admin/includes/export_links.html", takes_context=True)
def export_links(context, changelist):
    from django.contrib import admin

    from skypark.core.admin_export import export_links_for

    request = context["request"]
    return {"export_links": export_links_for(admin.site, request, changelist)}
