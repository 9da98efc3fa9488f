from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext as _

from skypark.accounts.customer_page import ROWS, CustomerPanel, admin_link, changelist_url, customer_panel
from skypark.core.backoffice import place

from .models import AuditEntry

place("audit", section="system")


@customer_panel(order=80)
def audit_panel(request, customer, scope):
    """What was done to the customer's record and what the customer did."""
    if not scope.everything or not request.user.has_perm("audit.view_auditentry"):
        return None
    content_type = ContentType.objects.get_for_model(customer)
    entries = AuditEntry.objects.filter(
        Q(content_type=content_type, object_id=str(customer.pk)) | Q(actor_id=customer.pk)
    ).order_by("-created_at", "-pk")
    return CustomerPanel(
        key="audit",
        title=_("Audit trail"),
        columns=[_("when"), _("who"), _("action"), _("object")],
        rows=[[admin_link(e, e.created_at), e.actor_label or "—", e.action, e.object_repr] for e in entries[:ROWS]],
        total=entries.count(),
        more_url=changelist_url(AuditEntry, actor_id=customer.pk),
    )
