"""Composing an offer and taking it through its review: draft, submitted, accepted by the
partner it names, approved or rejected by coalition staff, paused or ended. Each step
locks the offer row and writes an audit entry."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log
from skypark.core import segments

from .candidates import _forget
from .errors import OfferInvalid, OfferNeedsAcceptance, OfferNotEditable, OfferNotYours
from .models import Offer

# An offer runs within these years; a date outside is a typing mistake, not a plan.
OFFER_YEARS = (2000, 2100)

EDITABLE_FIELDS = (
    "partner",
    "name",
    "description",
    "kind",
    "value",
    "coupon_kind",
    "item_name",
    "item_value",
    "coupon_valid_days",
    "at_till",
    "online",
    "min_spend",
    "categories",
    "skus",
    "weekdays",
    "hour_from",
    "hour_to",
    "first_visit",
    "segment",
    "segment_own",
    "valid_from",
    "valid_until",
    "budget_amount",
    "budget_redemptions",
    "per_customer_limit",
    "priority",
    "stackable",
    "issuer_share",
    "partner_share",
    "operator_share",
)


def _offer_validate(offer: Offer, tiers) -> None:
    problems = {}
    try:
        offer.full_clean(exclude=["merchant", "approved_by"])
    except ValidationError as exc:
        problems.update({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
    if offer.issuer_share + offer.partner_share + offer.operator_share != 100:
        problems["issuer_share"] = [_("The shares of the issuer, the partner and the operator must add up to 100%.")]
    if offer.partner_share > 0 and offer.partner_id is None:
        problems["partner"] = [_("Name the partner who pays its share.")]
    if offer.partner_id is not None and offer.partner_id == offer.merchant_id:
        problems["partner"] = [_("The accepting partner must be another business.")]
    if offer.kind == Offer.Kind.CROSS_COUPON:
        if offer.partner_id is None:
            problems["partner"] = [_("Name the partner where the coupon is spent.")]
        if offer.coupon_kind not in ("percent", "fixed", "free_item"):
            problems["coupon_kind"] = [_("Choose percent, fixed or free_item.")]
    if offer.kind == Offer.Kind.PERCENT and offer.value > 100:
        problems["value"] = [_("A percentage cannot exceed 100.")]
    if offer.kind == Offer.Kind.MULTIPLIER and offer.value <= 1:
        problems["value"] = [_("A multiplier must be greater than 1.")]
    if offer.kind == Offer.Kind.FREE_ITEM and not offer.item_name:
        problems["item_name"] = [_("Name the free item.")]
    for bound in ("valid_from", "valid_until"):
        when = getattr(offer, bound)
        if when and not OFFER_YEARS[0] <= when.year <= OFFER_YEARS[1]:
            problems[bound] = [
                _("A date from %(first)s to %(last)s.") % {"first": OFFER_YEARS[0], "last": OFFER_YEARS[1]}
            ]
    if offer.valid_from and offer.valid_until and offer.valid_until <= offer.valid_from:
        problems["valid_until"] = [_("The offer must end after it starts.")]
    for hour_field in ("hour_from", "hour_to"):
        value = getattr(offer, hour_field)
        if value is not None and not 0 <= value <= 24:
            problems[hour_field] = [_("An hour from 0 to 24.")]
    if any(not str(d).isdigit() or int(d) > 6 for d in offer.weekdays or []):
        problems["weekdays"] = [_("Days are numbers from 0 (Monday) to 6 (Sunday).")]
    if not offer.at_till and not offer.online:
        problems["at_till"] = [_("Say where the offer applies: at the till, online, or both.")]
    if offer.segment and offer.segment not in dict(segments.segment_choices()):
        problems["segment"] = [_("Unknown customer segment.")]
    if offer.partner_id and offer.partner and offer.partner.currency != offer.currency:
        problems["partner"] = [_("The partner works in another currency.")]
    bad_tiers = [t for t in tiers if t.merchant_id not in (None, offer.merchant_id)]
    if bad_tiers:
        problems["tiers"] = [_("Only the coalition's tiers or your own programme's.")]
    if problems:
        raise OfferInvalid(details={"fields": problems})


@transaction.atomic
def offer_create(*, merchant, actor=None, tiers=(), **fields) -> Offer:
    """A draft offer of ``merchant``, checked whole before it is written; its currency is
    the merchant's."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise OfferInvalid(details={"fields": {name: [_("Unknown field.")] for name in sorted(unknown)}})
    offer = Offer(merchant=merchant, currency=merchant.currency, **fields)
    tiers = list(tiers)
    _offer_validate(offer, tiers)
    offer.save()
    if tiers:
        offer.tiers.set(tiers)
    audit_log(actor=actor or f"merchant:{merchant.code}", action="loyalty.offer.created", obj=offer)
    return offer


def _locked(offer) -> Offer:
    return Offer.objects.select_for_update(of=("self",)).select_related("merchant", "partner").get(pk=offer.pk)


@transaction.atomic
def offer_submit(*, offer: Offer, actor=None) -> Offer:
    """Draft (or rejected) → submitted for the coalition's approval."""
    offer = _locked(offer)
    if offer.status not in (Offer.Status.DRAFT, Offer.Status.REJECTED):
        raise OfferNotEditable(details={"status": offer.status})
    offer.status, offer.submitted_at, offer.rejection_reason = Offer.Status.SUBMITTED, timezone.now(), ""
    offer.save(update_fields=["status", "submitted_at", "rejection_reason", "updated_at"])
    audit_log(actor=actor or f"merchant:{offer.merchant.code}", action="loyalty.offer.submitted", obj=offer)
    return offer


@transaction.atomic
def offer_accept(*, offer: Offer, partner, actor=None) -> Offer:
    """The partner named by the offer agrees to fund its share (or to take its coupons)."""
    offer = _locked(offer)
    if offer.partner_id != partner.pk:
        raise OfferNotYours()
    if offer.status not in (Offer.Status.SUBMITTED, Offer.Status.APPROVED, Offer.Status.DRAFT):
        raise OfferNotEditable(details={"status": offer.status})
    if offer.partner_accepted_at is None:
        offer.partner_accepted_at = timezone.now()
        offer.save(update_fields=["partner_accepted_at", "updated_at"])
        audit_log(actor=actor or f"merchant:{partner.code}", action="loyalty.offer.accepted", obj=offer)
    return offer


@transaction.atomic
def offer_approve(*, offer: Offer, actor) -> Offer:
    """Coalition staff approve a submitted offer; one a partner co-funds needs that
    partner's acceptance first."""
    offer = _locked(offer)
    if offer.status not in (Offer.Status.SUBMITTED, Offer.Status.PAUSED):
        raise OfferNotEditable(details={"status": offer.status})
    if offer.needs_acceptance:
        raise OfferNeedsAcceptance()
    offer.status, offer.approved_at, offer.approved_by = Offer.Status.APPROVED, timezone.now(), actor
    offer.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    audit_log(actor=actor, action="loyalty.offer.approved", obj=offer)
    _forget(offer)
    return offer


@transaction.atomic
def offer_reject(*, offer: Offer, actor, reason: str = "") -> Offer:
    offer = _locked(offer)
    if offer.status != Offer.Status.SUBMITTED:
        raise OfferNotEditable(details={"status": offer.status})
    offer.status, offer.rejection_reason = Offer.Status.REJECTED, reason[:255]
    offer.save(update_fields=["status", "rejection_reason", "updated_at"])
    audit_log(actor=actor, action="loyalty.offer.rejected", obj=offer, data={"reason": reason})
    return offer


@transaction.atomic
def offer_stop(*, offer: Offer, actor, status=Offer.Status.PAUSED) -> Offer:
    """Pauses (or ends) an approved offer: it stops applying at once."""
    offer = _locked(offer)
    if offer.status not in (Offer.Status.APPROVED, Offer.Status.PAUSED):
        raise OfferNotEditable(details={"status": offer.status})
    offer.status = status
    offer.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action=f"loyalty.offer.{status}", obj=offer)
    _forget(offer)
    return offer
