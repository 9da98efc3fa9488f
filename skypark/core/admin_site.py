from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SkyParkAdminSite(admin.AdminSite):
    """The back-office. The index is a dashboard: each part of the platform contributes
    its panels through ``skypark.core.dashboard``."""

    site_header = _("Sky Park back-office")
    site_title = _("Sky Park back-office")
    index_title = _("Dashboard")
    index_template = "admin/dashboard.html"

    def index(self, request, extra_context=None):
        from skypark.core.dashboard import panels_for

        extra_context = {**(extra_context or {}), "dashboard_panels": panels_for(request)}
        return super().index(request, extra_context)


class SkyParkAdminConfig(AdminConfig):
    default_site = "skypark.core.admin_site.SkyParkAdminSite"
