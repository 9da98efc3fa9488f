from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core import checks
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from . import backoffice


class SkyParkAdminSite(admin.AdminSite):
    """The back-office. The index is a dashboard: each part of the platform contributes
    its panels through ``skypark.core.dashboard``.

    Navigation (the index's list and the sidebar) is by business section, not by Django
    app: ``get_app_list`` regroups the models each user may see into the sections of
    ``skypark.core.backoffice`` (a section with nothing the user may see is not shown),
    and ``/admin/section/<key>/`` lists one section. A per-app page (``/admin/<app>/``,
    the breadcrumbs' middle link) stays as Django builds it.

    Why not django-unfold: it replaces every admin template and styles its own widgets,
    so the project's admin templates (dashboard, occupancy board, week calendar, rosters,
    refund confirmations, the audit "History" page) would each need rewriting against
    its layout, and it adds a dependency to ``make run``. The grouping people need is a
    few lines over Django's own ``get_app_list`` and keeps every existing page working.
    """

    site_header = _("Sky Park back-office")
    site_title = _("Sky Park back-office")
    index_title = _("Dashboard")
    index_template = "admin/dashboard.html"

    def admin_view(self, view, cacheable=False):
        """Every back-office page, list, autocomplete and export runs, and is rendered,
        with customers' contact details masked for merchant staff outside the till role
        (``skypark.accounts.masking``)."""
        from skypark.accounts.masking import contact_masking

        inner = super().admin_view(view, cacheable)

        def masked(request, *args, **kwargs):
            with contact_masking(request.user):
                response = inner(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            return response

        return update_wrapper(masked, inner)

    @property
    def login_form(self):
        # The staff log-in is under the same lockout as every other (accounts.lockout).
        from skypark.accounts.forms import StaffLoginForm

        return StaffLoginForm

    def index(self, request, extra_context=None):
        from skypark.core.dashboard import panels_for

        extra_context = {**(extra_context or {}), "dashboard_panels": panels_for(request)}
        return super().index(request, extra_context)

    def get_urls(self):
        from .admin_export import export_urls

        return [
            path("section/<slug:key>/", self.admin_view(self.section_index), name="section"),
            *export_urls(self),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)
        return self.get_section_list(request)

    def get_section_list(self, request, only=None):
        """The models ``request.user`` may see, grouped by section, sections in their
        order and models by name."""
        grouped = {}
        for app in self._build_app_dict(request).values():
            for model in app["models"]:
                section = backoffice.section_of_model(model["model"])
                if only is None or section.key == only:
                    grouped.setdefault(section, []).append(model)
        return [
            {
                "name": section.title,
                "app_label": f"section-{section.key}",
                "section": section.key,
                "app_url": reverse(f"{self.name}:section", args=[section.key]),
                "has_module_perms": True,
                "models": sorted(models, key=lambda m: str(m["name"]).lower()),
            }
            for section, models in sorted(grouped.items(), key=lambda item: item[0].order)
        ]

    def section_index(self, request, key):
        section_list = self.get_section_list(request, only=key)
        if not section_list:
            raise Http404("The requested admin page does not exist.")
        context = {
            **self.each_context(request),
            "title": section_list[0]["name"],
            "subtitle": None,
            "app_list": section_list,
            "app_label": section_list[0]["app_label"],
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)


# Admins that other packages register, and whom they are for: the project declares
# their scope here, as each of its own admins does in its class.
PACKAGE_ADMIN_SCOPES = {
    "auth": "network",
    "axes": "network",
    "django_celery_beat": "network",
    "token_blacklist": "network",
}


def declare_package_admin_scopes(site):
    """Re-register the admins of ``PACKAGE_ADMIN_SCOPES`` with their declared scope."""
    from skypark.accounts.admin_scoping import ScopedAdminMixin

    for model, model_admin in list(site._registry.items()):
        scope = PACKAGE_ADMIN_SCOPES.get(model._meta.app_label)
        if scope is None or isinstance(model_admin, ScopedAdminMixin):
            continue
        base = type(model_admin)
        scoped = type(base.__name__, (ScopedAdminMixin, base), {"scope": scope, "__module__": base.__module__})
        site.unregister(model)
        site.register(model, scoped)


def check_admin_scopes(app_configs=None, **kwargs):
    """Every ModelAdmin of the back-office declares whose rows it shows."""
    from skypark.accounts.admin_scoping import scope_problems

    return [
        checks.Error(problem, obj=type(model_admin), id="skypark.E001")
        for model_admin in admin.site._registry.values()
        for problem in scope_problems(model_admin)
    ]


class SkyParkAdminConfig(AdminConfig):
    default_site = "skypark.core.admin_site.SkyParkAdminSite"

    def ready(self):
        super().ready()
        backoffice.autodiscover()
        declare_package_admin_scopes(admin.site)
        checks.register(check_admin_scopes, checks.Tags.admin)
