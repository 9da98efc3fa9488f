"""Bulk actions on sessions and bookings: each calls one service per selected row and
reports the rows it refused."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from skypark.core.errors import DomainError

from .. import services
from ..models import CourseSession


def _each(request, queryset, action, done_message):
    done = 0
    for obj in queryset:
        try:
            action(obj)
        except DomainError as exc:
            messages.error(request, f"{obj}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, done_message % done)


@admin.action(description=_("Publish the selected sessions"), permissions=["change"])
def publish_selected(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda s: services.session_publish(session=s, actor=request.user),
        ngettext_lazy("Published %d session.", "Published %d sessions."),
    )


@admin.action(description=_("Cancel the selected sessions and refund everyone in full"), permissions=["change"])
def cancel_sessions(modeladmin, request, queryset):
    # Each session is locked and marked cancelled at once; the refunds and e-mails run
    # as a background job whose progress shows under the background jobs.
    _each(
        request,
        queryset.exclude(status=CourseSession.Status.CANCELLED),
        lambda s: services.session_cancel_start(session=s, actor=request.user),
        ngettext_lazy("Cancelled %d session.", "Cancelled %d sessions."),
    )


@admin.action(description=_("Mark the selected sessions completed"), permissions=["change"])
def complete_selected(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda s: services.session_complete(session=s, actor=request.user),
        ngettext_lazy("Completed %d session.", "Completed %d sessions."),
    )


@admin.action(description=_("Issue certificates for the selected sessions"), permissions=["issue"])
def issue_certificates(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda s: services.certificates_issue(session=s, actor=request.user),
        ngettext_lazy("Issued certificates for %d session.", "Issued certificates for %d sessions."),
    )


@admin.action(description=_("Cancel, refunding per the cancellation policy"), permissions=["change"])
def cancel_per_policy(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda b: services.booking_cancel(
            booking=b, actor=request.user, reason=str(_("Cancelled by staff.")), by_staff=True
        ),
        ngettext_lazy("Cancelled %d booking.", "Cancelled %d bookings."),
    )


@admin.action(description=_("Cancel with a full refund"), permissions=["refund"])
def cancel_full_refund(modeladmin, request, queryset):
    _each(
        request,
        queryset,
        lambda b: services.booking_cancel(
            booking=b, actor=request.user, reason=str(_("Cancelled by staff.")), by_staff=True, full_refund=True
        ),
        ngettext_lazy("Cancelled %d booking.", "Cancelled %d bookings."),
    )
