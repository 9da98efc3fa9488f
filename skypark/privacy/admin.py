from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin

from . import services
from .models import ErasureRequest, ErasureStatus


@admin.action(description=_("Approve: erase the customer now"), permissions=["change"])
def approve_requests(modeladmin, request, queryset):
    approved = 0
    for erasure in queryset.filter(status=ErasureStatus.AWAITING_APPROVAL):
        services.erasure_request_approve(request_id=erasure.pk, staff=request.user)
        approved += 1
    modeladmin.message_user(
        request, _("Requests approved: %(count)d. The erasure runs in the background.") % {"count": approved}
    )


@admin.action(description=_("Reject"), permissions=["change"])
def reject_requests(modeladmin, request, queryset):
    rejected = 0
    for erasure in queryset.filter(status=ErasureStatus.AWAITING_APPROVAL):
        services.erasure_request_reject(request_id=erasure.pk, staff=request.user)
        rejected += 1
    modeladmin.message_user(request, _("Requests rejected: %(count)d.") % {"count": rejected}, messages.WARNING)


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("pk", "user", "status", "created_at", "decided_by", "decided_at", "completed_at")
    list_select_related = ("user", "decided_by")
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=user__id", "=user__customer_code")
    readonly_fields = (
        "user",
        "status",
        "blockers",
        "created_at",
        "decided_by",
        "decided_at",
        "completed_at",
    )
    fields = readonly_fields + ("decision_note",)
    actions = [approve_requests, reject_requests]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
