"""CSV and XLSX export of any business changelist, with its filters, search and ordering.

Built once here for every ModelAdmin of a business section (``skypark.core.backoffice``):
the change list template adds "Export CSV / Export XLSX" links that carry the current
query string, and the export view builds the ChangeList through the ModelAdmin, so the
merchant scoping, list filters and search apply exactly as on screen. The columns are the
changelist's own columns (``list_display``) as staff read them, plus the row id.

The files are written by django-import-export (tablib), with formula escaping on
(``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``): a cell that starts with ``=`` loses it,
so a spreadsheet never runs what a customer typed into their name.

Up to ``ADMIN_EXPORT_SYNC_LIMIT`` rows the file is the response; a larger export runs as
a background job (``skypark.core.jobs``) whose page shows the progress and, when done, a
download link for the person who started it.
"""

import datetime
import html
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import Resource

from skypark.accounts.masking import contact_masking

from .backoffice import is_business_model
from .jobs import job_handler, job_start
from .models import StaffJob

FORMATS = {"csv": CSV, "xlsx": XLSX}
JOB_KIND = "core.admin_export"


def sync_limit():
    return getattr(settings, "ADMIN_EXPORT_SYNC_LIMIT", 5000)


def _cell(value, field):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    choices = getattr(field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, Decimal)):
        return value
    return html.unescape(strip_tags(str(value)))


class ChangeListField(Field):
    """A changelist column: the value staff see in the list, as plain text."""

    def __init__(self, name, model_admin, column_name):
        super().__init__(attribute=_key(name), column_name=column_name, readonly=True)
        self.name = name
        self.model_admin = model_admin

    def get_value(self, instance):
        try:
            field, _attr, value = lookup_field(self.name, instance, self.model_admin)
        except (AttributeError, ValueError):
            return ""
        return _cell(value, field)

    def export(self, instance, **kwargs):
        return self.get_value(instance)


def _key(name):
    return name if isinstance(name, str) else getattr(name, "__name__", repr(name))


class ChangeListResource(Resource):
    """A django-import-export resource whose columns are a ModelAdmin's list columns."""

    def __init__(self, model_admin, list_display):
        super().__init__()
        model = model_admin.model
        names = ["pk", *[n for n in list_display if n not in ("action_checkbox", "pk")]]
        self.fields = {
            _key(name): ChangeListField(
                name, model_admin, "id" if name == "pk" else capfirst(label_for_field(name, model, model_admin))
            )
            for name in names
        }
        self._order = [_key(name) for name in names]

    def get_export_order(self):
        return self._order


def changelist_queryset(model_admin, request):
    """The ChangeList of ``request`` built through the ModelAdmin (its scoping, filters,
    search and ordering), and its full result queryset."""
    changelist = model_admin.get_changelist_instance(request)
    return changelist, changelist.queryset


def export_dataset(model_admin, request):
    changelist, queryset = changelist_queryset(model_admin, request)
    return ChangeListResource(model_admin, changelist.list_display).export(queryset=queryset)


def render(dataset, fmt):
    export_format = FORMATS[fmt]()
    return export_format.export_data(dataset), export_format.get_content_type()


def _filename(model, fmt):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{model._meta.model_name}-{stamp}.{fmt}"


def _model_admin(site, app_label, model_name):
    for model, model_admin in site._registry.items():
        if model._meta.app_label == app_label and model._meta.model_name == model_name:
            if not is_business_model(model):
                break
            return model_admin
    raise Http404("No export for this model.")


def export_view(site, request, app_label, model_name, fmt):
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    model_admin = _model_admin(site, app_label, model_name)
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        _changelist, queryset = changelist_queryset(model_admin, request)
    except IncorrectLookupParameters:
        return HttpResponseBadRequest(_("These filters are not valid for this list."))
    if queryset.count() > sync_limit():
        job = job_start(
            kind=JOB_KIND,
            actor=request.user,
            params={
                "app_label": app_label,
                "model_name": model_name,
                "format": fmt,
                "query": request.GET.urlencode(),
                "user_id": request.user.pk,
            },
            description=_("Export of %(list)s (%(format)s)")
            % {"list": model_admin.model._meta.verbose_name_plural, "format": fmt.upper()},
        )
        download = reverse(f"{site.name}:export_download", args=[job.pk])
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The export is large, so it runs in the background."),
                download,
                _("Download it here when it is done."),
            ),
        )
        jobs_admin = site._registry.get(StaffJob)
        if jobs_admin is not None and jobs_admin.has_view_permission(request, job):
            return redirect(reverse(f"{site.name}:core_staffjob_change", args=[job.pk]))
        return redirect(download)
    data, content_type = render(export_dataset(model_admin, request), fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(model_admin.model, fmt)}"'
    return response


@job_handler(JOB_KIND)
def run_export(job, progress):
    """Rebuild the request the export was asked with (same user, same query string) and
    write the file to storage under an unguessable name."""
    from django.contrib import admin

    params = job.params
    user = get_user_model().objects.get(pk=params["user_id"])
    request = RequestFactory().get("/admin/export/", data=None, QUERY_STRING=params["query"])
    request.user = user
    model_admin = _model_admin(admin.site, params["app_label"], params["model_name"])
    if not model_admin.has_view_permission(request):
        raise PermissionDenied("the user who asked may no longer see this list")
    with contact_masking(user):
        dataset = export_dataset(model_admin, request)
    progress(0, len(dataset))
    data, _content_type = render(dataset, params["format"])
    if isinstance(data, str):
        data = data.encode("utf-8")
    name = default_storage.save(f"exports/{uuid.uuid4().hex}.{params['format']}", ContentFile(data))
    progress(len(dataset), len(dataset))
    return {
        "file": name,
        "filename": _filename(model_admin.model, params["format"]),
        "rows": len(dataset),
    }


def download_view(site, request, job_id):
    job = get_object_or_404(StaffJob, pk=job_id, kind=JOB_KIND)
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied
    if job.status == StaffJob.Status.FAILED:
        raise Http404("The export failed.")
    if job.status != StaffJob.Status.SUCCEEDED:
        context = {**site.each_context(request), "title": job.description, "job": job}
        return TemplateResponse(request, "admin/export_pending.html", context, status=202)
    name = job.result.get("file")
    if not name or not default_storage.exists(name):
        raise Http404("The export file is gone.")
    return FileResponse(default_storage.open(name, "rb"), as_attachment=True, filename=job.result.get("filename"))


def export_urls(site):
    view = site.admin_view
    return [
        path(
            "export/<str:app_label>/<str:model_name>/<str:fmt>/",
            view(lambda request, **kw: export_view(site, request, **kw)),
            name="export",
        ),
        path(
            "export/job/<int:job_id>/",
            view(lambda request, **kw: download_view(site, request, **kw)),
            name="export_download",
        ),
    ]


def export_links_for(site, request, changelist):
    """The export links of a changelist page, or ``[]`` where there is no export."""
    model = changelist.model
    if not is_business_model(model) or site._registry.get(model) is not changelist.model_admin:
        return []
    query = changelist.get_query_string()
    query = "" if query == "?" else query
    return [
        {
            "label": _("Export %(format)s") % {"format": fmt.upper()},
            "url": reverse(f"{site.name}:export", args=[model._meta.app_label, model._meta.model_name, fmt]) + query,
            "format": fmt,
        }
        for fmt in FORMATS
    ]
