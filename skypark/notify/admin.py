from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.accounts.phones import normalise_phone
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin
from skypark.core.errors import DomainError

from .models import Notification, NotificationArchive
from .services import notification_resend


@admin.action(description=_("Resend selected notifications"), permissions=["resend"])
def resend_selected(modeladmin, request, queryset):
    resent, refused = 0, []
    for notification in queryset.select_related("recipient"):
        try:
            notification_resend(notification=notification, actor=request.user)
        except DomainError as exc:
            refused.append(f"#{notification.pk}: {exc.message}")
        else:
            resent += 1
    if resent:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d notification was queued to be sent again.",
                "%(count)d notifications were queued to be sent again.",
                resent,
            )
            % {"count": resent},
            messages.SUCCESS,
        )
    if refused:
        modeladmin.message_user(request, "; ".join(refused), messages.WARNING)


@admin.register(Notification)
class NotificationAdmin(
    ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin
):
    """The notification log: read-only, searchable, with a resend action."""

    scope = NETWORK

    list_display = ("created_at", "recipient", "channel", "kind", "to_address", "status", "attempts", "sent_at")
    list_select_related = ("recipient",)
    list_filter = ("channel", "status", "kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=recipient__phone", "=recipient__email", "=to_address")
    search_help_text = _("Exact phone number, e-mail or address.")
    show_full_result_count = False
    actions = [resend_selected]
    fieldsets = (
        (None, {"fields": ("kind", "channel", "recipient", "to_address", "language", "related_object")}),
        (_("Delivery"), {"fields": ("status", "attempts", "last_error", "created_at", "sent_at", "read_at")}),
        (_("Content"), {"fields": ("subject", "body", "html_preview", "attachment_names")}),
        (_("Bookkeeping"), {"fields": ("dedupe_key", "resent_from", "updated_at")}),
    )
    readonly_fields = (
        "kind",
        "channel",
        "recipient",
        "to_address",
        "language",
        "related_object",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "read_at",
        "subject",
        "body",
        "html_preview",
        "attachment_names",
        "dedupe_key",
        "resent_from",
        "updated_at",
    )

    def has_resend_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.resend_notification")

    def get_queryset(self, request):
        # Attachments (ticket PDFs) are tens of kilobytes a row; only the change form reads them.
        return (
            super()
            .get_queryset(request)
            .select_related("recipient", "content_type", "resent_from")
            .defer("attachments")
        )

    def get_search_results(self, request, queryset, search_term):
        # Staff type phones as people say them ("0555 123 456"); the log stores E.164.
        term = search_term.strip()
        if term and "@" not in term:
            try:
                term = normalise_phone(term)
            except ValidationError:
                pass
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("related object"))
    def related_object(self, obj):
        if not obj.content_type_id:
            return "—"
        return f"{obj.content_type.app_label}.{obj.content_type.model} #{obj.object_id}"

    @admin.display(description=_("HTML body"))
    def html_preview(self, obj):
        if not obj.body_html:
            return "—"
        # A sandboxed frame shows the e-mail as the customer saw it without letting its
        # markup touch the admin page.
        return format_html(
            '<iframe sandbox="" srcdoc="{}" style="width:100%;min-height:24rem;border:1px solid #ccc"></iframe>',
            obj.body_html,
        )

    @admin.display(description=_("attachments"))
    def attachment_names(self, obj):
        return ", ".join(item["filename"] for item in obj.attachments) or "—"


@admin.register(NotificationArchive)
class NotificationArchiveAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sent and failed notifications moved out of the live log by the nightly archiving."""

    scope = NETWORK
    list_display = ("id", "created_at", "recipient_id", "channel", "kind", "to_address", "status", "sent_at")
    list_filter = ("channel", "status")
    search_fields = ("=recipient_id", "=to_address")
    search_help_text = _("Exact recipient id or address.")
    readonly_fields = [f.name for f in NotificationArchive._meta.fields]
