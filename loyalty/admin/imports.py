"""CSV imports of past transactions: the upload, which queues the batch, and each batch's
progress and counts."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import (
    MERCHANT,
    ScopedAdminMixin,
    merchant_ids_for,
)
from skypark.accounts.models import Merchant
from skypark.core.errors import DomainError

from .. import services
from ..models import (
    ImportBatch,
)


class ImportUploadForm(forms.Form):
    merchant = forms.ModelChoiceField(queryset=Merchant.objects.none(), label=_("Merchant"))
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns: external_id, customer_code or phone, amount, occurred_at.")
    )

    def __init__(self, *args, merchants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = merchants


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "pk",
        "merchant",
        "source",
        "status",
        "progress",
        "created_count",
        "duplicate_count",
        "error_count",
        "created_at",
    )
    list_select_related = ("merchant",)
    list_filter = ("status", "source")
    exclude = ("rows",)

    @admin.display(description=_("progress"))
    def progress(self, batch):
        return format_html(
            '<progress max="100" value="{}" aria-label="{}">{}%</progress> {}%',
            batch.progress_percent,
            _("progress"),
            batch.progress_percent,
            batch.progress_percent,
        )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ImportBatch._meta.fields if f.name != "rows"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        ids = merchant_ids_for(request.user)
        merchants = Merchant.objects.all() if ids is None else Merchant.objects.filter(pk__in=ids)
        form = ImportUploadForm(request.POST or None, request.FILES or None, merchants=merchants)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                batch = services.import_batch_create(
                    merchant=form.cleaned_data["merchant"],
                    rows=services.csv_rows(text),
                    source="csv",
                    actor=request.user,
                )
            except UnicodeDecodeError:
                form.add_error("file", _("The file must be UTF-8 text."))
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, _("The import was queued; its progress shows here."))
                return HttpResponseRedirect(reverse("admin:loyalty_importbatch_change", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import transactions from CSV"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/loyalty/importbatch/upload.html", context)
