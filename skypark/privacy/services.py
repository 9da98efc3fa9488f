"""Erasure of a customer's personal data, and the requests that lead to it.

Erasure anonymises the person and keeps the books: orders, payments, refunds, loyalty
ledgers and audit entries stay as they were (the law requires them to be kept, and a
balance must still equal its ledger); only the fields that identify the person change.
"""

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log

from . import registry
from .models import OPEN_STATUSES, ErasureRequest, ErasureStatus

ERASED_EMAIL_DOMAIN = "erased.invalid"


def erased_phone(user_id: int) -> str:
    """A unique placeholder no network routes: country code 0 does not exist."""
    return f"+000{user_id:012d}"


def erased_email(user_id: int) -> str:
    # ".invalid" is reserved (RFC 2606): no mail server accepts it.
    return f"deleted-{user_id}@{ERASED_EMAIL_DOMAIN}"


def erased_name(user_id: int) -> str:
    return f"Deleted customer #{user_id}"


def is_erased(user) -> bool:
    return user.phone == erased_phone(user.pk)


def erasure_blockers(*, user) -> list[str]:
    """Why erasing now would harm the customer or leave something unsettled (empty: nothing)."""
    reasons = []
    for section in registry.sections():
        if section.blockers is not None:
            reasons.extend(str(reason) for reason in section.blockers(user))
    return reasons


def tokens_revoke(*, user) -> int:
    """Blacklist every outstanding refresh token of the user; returns how many were new."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(created, ignore_conflicts=True)
    return len(created)


def sessions_end(*, user) -> int:
    """Delete the user's stored sessions (changing the password alone already invalidates
    them; this also frees the rows)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def customer_erase(*, user, actor=None) -> bool:
    """Anonymise ``user`` and every app's personal data of them; keep orders, payments,
    ledgers and audit entries. Locks the user row. Idempotent: a second run changes nothing
    and writes no second audit entry. Returns True when this call erased the customer."""
    user_model = get_user_model()
    user = user_model.objects.select_for_update().get(pk=user.pk)
    already = is_erased(user) and not user.is_active
    for section in registry.sections():
        if section.erase is not None:
            section.erase(user)
    tokens_revoke(user=user)
    if already:
        return False
    sessions_end(user=user)
    audit_log(actor=actor or "privacy", action="privacy.customer.erased", obj=user, data={"user_id": user.pk})
    return True


def _queue_erasure(request_id):
    from .tasks import erasure_request_run

    transaction.on_commit(lambda: erasure_request_run.delay(request_id))


@transaction.atomic
def erasure_request_create(*, user) -> ErasureRequest:
    """Open the customer's erasure request (or return the open one). With nothing blocking
    it is queued at once; otherwise it waits for staff with the reasons recorded."""
    user_model = get_user_model()
    user = user_model.objects.select_for_update().get(pk=user.pk)
    existing = ErasureRequest.objects.filter(user=user, status__in=OPEN_STATUSES).first()
    if existing is not None:
        return existing
    blockers = erasure_blockers(user=user)
    request = ErasureRequest.objects.create(
        user=user,
        status=ErasureStatus.AWAITING_APPROVAL if blockers else ErasureStatus.QUEUED,
        blockers=blockers,
    )
    audit_log(actor=user, action="privacy.erasure.requested", obj=request, data={"blocked": bool(blockers)})
    if not blockers:
        _queue_erasure(request.pk)
    return request


@transaction.atomic
def erasure_request_approve(*, request_id, staff) -> ErasureRequest:
    """Staff let a waiting request go ahead (e.g. after refunding the ticket that blocked it)."""
    request = ErasureRequest.objects.select_for_update().get(pk=request_id)
    if request.status != ErasureStatus.AWAITING_APPROVAL:
        return request
    request.status = ErasureStatus.QUEUED
    request.decided_by = staff
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_log(actor=staff, action="privacy.erasure.approved", obj=request)
    _queue_erasure(request.pk)
    return request


@transaction.atomic
def erasure_request_reject(*, request_id, staff, note="") -> ErasureRequest:
    request = ErasureRequest.objects.select_for_update().get(pk=request_id)
    if request.status not in OPEN_STATUSES:
        return request
    request.status = ErasureStatus.REJECTED
    request.decided_by = staff
    request.decided_at = timezone.now()
    request.decision_note = note[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_log(actor=staff, action="privacy.erasure.rejected", obj=request, data={"note": request.decision_note})
    return request


@transaction.atomic
def erasure_request_carry_out(*, request_id) -> ErasureRequest:
    """Erase the customer of a queued request; safe to run twice (a completed, rejected or
    waiting request is left as it is)."""
    request = ErasureRequest.objects.select_for_update().get(pk=request_id)
    if request.status != ErasureStatus.QUEUED:
        return request
    customer_erase(user=request.user, actor=request.decided_by)
    request.status = ErasureStatus.COMPLETED
    request.completed_at = timezone.now()
    request.save(update_fields=["status", "completed_at"])
    return request


@transaction.atomic
def personal_data_export_by_staff(*, staff, users) -> dict:
    """The personal data of ``users`` for a member of staff answering a request; every
    export is written to the audit log, since it shows a person's data to someone else."""
    from .selectors import personal_data_export

    customers = []
    for user in users:
        customers.append(personal_data_export(user=user))
        audit_log(actor=staff, action="privacy.data.exported", obj=user, data={"user_id": user.pk})
    return {"customers": customers}
