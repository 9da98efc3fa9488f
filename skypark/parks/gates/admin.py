"""Back-office of the offline gates: devices (register, revoke), signing keys (rotate),
the scans as uploaded, and the double entries the merge found."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin

from . import devices, signing
from .models import DoubleEntry, GateDevice, GateScan, GateSigningKey


class GateDeviceForm(forms.ModelForm):
    class Meta:
        model = GateDevice
        fields = ("park", "name")


@admin.action(description=_("Revoke the selected devices"), permissions=["change"])
def revoke_selected(modeladmin, request, queryset):
    done = 0
    for device in queryset.filter(revoked_at__isnull=True):
        devices.device_revoke(device=device, staff=request.user)
        done += 1
    messages.success(request, ngettext("Revoked %d device.", "Revoked %d devices.", done) % done)


@admin.register(GateDevice)
class GateDeviceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    form = GateDeviceForm
    list_display = ("name", "park", "token_prefix", "registered_by", "registered_at", "last_seen_at", "revoked_at")
    list_select_related = ("park", "registered_by")
    list_filter = ("park", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "=token_prefix")
    actions = [revoke_selected]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("park", "token_prefix", "registered_by", "registered_at", "last_seen_at", "revoked_at")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        device, token = devices.device_register(park=obj.park, name=obj.name, staff=request.user)
        obj.pk, obj.token_hash = device.pk, device.token_hash
        obj._state.adding = False
        messages.warning(
            request,
            format_html(
                "{} <code>{}</code>",
                _("The device's token, shown only now: enter it on the gate page of the device."),
                token,
            ),
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=_("Rotate: sign new tickets with a new key"), permissions=["change"])
def rotate_key(modeladmin, request, queryset):
    key = signing.signing_key_rotate(actor=request.user)
    messages.success(request, _("New signing key %(key)s.") % {"key": key.key_id})


@admin.register(GateSigningKey)
class GateSigningKeyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("key_id", "created_at", "accepted_until", "public_key")
    fields = ("key_id", "public_key", "created_at", "accepted_until")
    readonly_fields = fields
    actions = [rotate_key]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GateScan)
class GateScanAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "scanned_at",
        "park",
        "gate",
        "kind",
        "ticket",
        "method",
        "admitted",
        "reason",
        "role",
        "guardian",
        "staff",
        "node",
    )
    list_select_related = ("park", "ticket", "staff")
    list_filter = ("kind", "role", "admitted", "park", ("day", admin.DateFieldListFilter))
    search_fields = ("=ticket__backup_code", "gate", "=event_id")
    readonly_fields = [f.name for f in GateScan._meta.fields]


@admin.register(DoubleEntry)
class DoubleEntryAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("day", "park", "ticket", "kind", "first_entry", "second_entry", "found_at")
    list_select_related = ("park", "ticket", "scan__staff", "first_scan__staff")
    list_filter = ("kind", "park", ("day", admin.DateFieldListFilter))
    search_fields = ("=ticket__backup_code",)
    readonly_fields = [f.name for f in DoubleEntry._meta.fields]

    @staticmethod
    def _describe(scan):
        if scan is None:
            return "—"
        return format_html("{} · {} · {}", scan.gate or scan.node, f"{scan.scanned_at:%H:%M:%S}", scan.staff or "—")

    @admin.display(description=_("first entry (gate, time, staff)"))
    def first_entry(self, obj):
        return self._describe(obj.first_scan)

    @admin.display(description=_("second entry (gate, time, staff)"))
    def second_entry(self, obj):
        return self._describe(obj.scan)
