"""Child–guardian pairing at the gate (a park setting, ``Park.guardian_pairing``).

The adults listed for a ticket are its order holder and up to ``MAX_NAMED`` adults the
order holder named (``Ticket.guardians``). Each is known at the gate by a short label —
first name and the initial of the last, "Aida K." — the least that lets staff ask
"who are you with?"; full names and phones never reach the gate or its pack. At entry
the gate records which listed adult came with the children (``GateScan.guardian``); at
exit staff pick the collecting adult from the list, and the children leave only with a
listed adult. A pick from outside the list is refused and the refusal is kept as a scan.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

MAX_NAMED = 4
LABEL_LENGTH = 40
GUARDIAN_REQUIRED = "guardian_required"
GUARDIAN_NOT_LISTED = "guardian_not_listed"


class GuardiansInvalid(DomainError):
    code = "guardians_invalid"
    status_code = 400
    default_message = _("Name up to four adults, each by first name and last name or initial.")


class GuardiansForbidden(DomainError):
    code = "guardians_forbidden"
    status_code = 403
    default_message = _("Only the order holder names who may collect the children.")


def guardian_label(name: str) -> str:
    """``"Aida Kasymova"`` → ``"Aida K."``; one word stays as it is."""
    words = (name or "").split()
    if not words:
        return ""
    label = words[0] if len(words) == 1 else f"{words[0]} {words[-1][0].upper()}."
    return label[:LABEL_LENGTH]


def guardians_listed(*, holder_name: str, named) -> list[str]:
    """The labels of a ticket's adults: the holder first, then those named, each once."""
    labels = []
    for label in [guardian_label(holder_name), *(named or [])]:
        if label and label not in labels:
            labels.append(label)
    return labels


def ticket_guardians(ticket) -> list[str]:
    return guardians_listed(holder_name=ticket.customer.name if ticket.customer_id else "", named=ticket.guardians)


def guardian_check(listed, guardian) -> str:
    """The refusal reason of an exit (or a paired entry) with ``guardian``, or ``""``."""
    if not guardian:
        return GUARDIAN_REQUIRED
    return "" if guardian in listed else GUARDIAN_NOT_LISTED


@transaction.atomic
def ticket_guardians_set(*, ticket, names, by):
    """The order holder names the adults (besides themselves) who may bring and collect
    the children; kept as labels only. Audited."""
    from ..models import Ticket

    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    if by is None or (by.pk != ticket.customer_id and not by.is_staff):
        raise GuardiansForbidden()
    if not isinstance(names, list) or len(names) > MAX_NAMED or not all(isinstance(n, str) for n in names):
        raise GuardiansInvalid(details={"max": MAX_NAMED})
    labels = [guardian_label(n) for n in names]
    if not all(labels):
        raise GuardiansInvalid(details={"max": MAX_NAMED})
    holder = guardian_label(ticket.customer.name)
    labels = [label for i, label in enumerate(labels) if label not in labels[:i] and label != holder]
    before = list(ticket.guardians)
    if labels != before:
        ticket.guardians = labels
        ticket.save(update_fields=["guardians", "updated_at"])
        audit_log(actor=by, action="parks.ticket.guardians_set", obj=ticket, data={"before": before, "after": labels})
    return ticket
