"""The "Resend ticket" admin action, for any model with a registered confirmation
(park tickets, event registrations, course bookings). It renders the confirmation again
from each selected object and queues it through notify; each resend is audited."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .confirmations import NothingToConfirm, confirmation_resend

RESEND_LIMIT = 50


@admin.action(description=gettext_lazy("Resend ticket (e-mail, SMS and in-app)"), permissions=["change"])
def resend_confirmation(modeladmin, request, queryset):
    if queryset.count() > RESEND_LIMIT:
        modeladmin.message_user(
            request,
            _("Select at most %(limit)d items to resend at once.") % {"limit": RESEND_LIMIT},
            messages.ERROR,
        )
        return
    sent = 0
    for obj in queryset:
        try:
            notifications = confirmation_resend(obj=obj, actor=request.user)
        except NothingToConfirm:
            modeladmin.message_user(
                request, _("%(item)s has no valid ticket to send.") % {"item": obj}, messages.WARNING
            )
            continue
        if notifications:
            sent += 1
        else:
            modeladmin.message_user(
                request,
                _("%(item)s: the customer has no e-mail or phone to send to.") % {"item": obj},
                messages.WARNING,
            )
    if sent:
        modeladmin.message_user(
            request,
            ngettext("Sent the ticket again for %(count)d item.", "Sent the ticket again for %(count)d items.", sent)
            % {"count": sent},
            messages.SUCCESS,
        )
    # The button on a change form comes back to that form.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(back)
    return None
