"""Coupons at the till (validate, redeem, create) and cross-promo chains issuing them."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log
from skypark.core.hotcache import HotCache
from skypark.core.references import random_code

from ... import webhooks
from ...clearing.services.posting import clearing_post_coupon
from ...errors import (
    CouponExhausted,
    CouponLimitPerCustomer,
    CouponNotFound,
    CouponNotValid,
)
from ...models import (
    Coupon,
    CouponRedemption,
    CrossPromo,
    LedgerEntry,
    PosTransaction,
)
from .. import modes

Kind = LedgerEntry.Kind
CENT = Decimal("0.01")


# --- coupons ----------------------------------------------------------------------------


def coupon_code_clean(value) -> str:
    """Coupon codes are chosen by people ("WELCOME10"), so unlike customer codes they are
    only upper-cased and stripped of spaces and dashes, never letter-mapped."""
    return str(value or "").strip().upper().replace(" ", "").replace("-", "")


def _coupon_refusal(coupon: Coupon, *, customer, merchant, amount, now):
    if not coupon.is_active:
        return "inactive"
    if coupon.valid_from and now < coupon.valid_from:
        return "not_started"
    if coupon.valid_until and now >= coupon.valid_until:
        return "expired"
    if coupon.customer_id and coupon.customer_id != getattr(customer, "pk", None):
        return "other_customer"
    if coupon.merchant_id and coupon.merchant_id != merchant.pk:
        return "other_merchant"
    if amount is not None and amount < coupon.min_purchase:
        return "min_purchase"
    return ""


REFUSAL_MESSAGES = {
    "inactive": _("This coupon is no longer active."),
    "not_started": _("This coupon is not valid yet."),
    "expired": _("This coupon has expired."),
    "other_customer": _("This coupon belongs to another customer."),
    "other_merchant": _("This coupon is for another partner."),
    "min_purchase": _("The purchase is below this coupon's minimum."),
}


def coupon_validate(*, code: str, customer, merchant, amount=None, now=None, test=False) -> tuple[Coupon, Decimal]:
    """Whether the coupon could be used now, and the discount it would give on
    ``amount``. Writes nothing; ``coupon_redeem`` re-checks under the lock."""
    now = now or timezone.now()
    coupon = Coupon.objects.filter(code=coupon_code_clean(code)).first()
    if coupon is None:
        raise CouponNotFound(details={"field": "code"})
    _coupon_check(coupon, customer=customer, merchant=merchant, amount=amount, now=now, test=test)
    return coupon, coupon.discount_on(amount) if amount is not None else Decimal("0.00")


def _coupon_check(coupon, *, customer, merchant, amount, now, test=False):
    """Refuses a coupon that cannot be used. In test mode the limits count the real uses
    and the test ones; a live use never counts a test one."""
    reason = _coupon_refusal(coupon, customer=customer, merchant=merchant, amount=amount, now=now)
    if reason:
        raise CouponNotValid(str(REFUSAL_MESSAGES[reason]), details={"reason": reason})
    uses = coupon.uses_count + (modes.coupon_test_uses(coupon) if test else 0)
    if coupon.max_uses is not None and uses >= coupon.max_uses:
        raise CouponExhausted()
    redemptions = CouponRedemption.objects.filter(coupon=coupon, customer=customer)
    used = (redemptions if test else redemptions.filter(is_test=False)).count()
    if used >= coupon.max_uses_per_customer:
        raise CouponLimitPerCustomer(details={"used": used})


def coupon_redeem(
    *,
    code: str,
    customer,
    merchant,
    amount: Decimal,
    reference: str = "",
    pos_transaction=None,
    now=None,
    test=False,
) -> CouponRedemption:
    """Uses a coupon once. Locks the coupon row, re-checks the window, the total limit
    and the per-customer limit against committed data, then counts the use: concurrent
    redemptions queue on the lock, so neither limit is ever exceeded (the CHECK on
    ``uses_count <= max_uses`` backs this). A repeated ``reference`` returns the first
    redemption. A coupon issued by a cross-promo chain counts a conversion. A test
    redemption (``test``) is recorded flagged and counts nothing: no use of the coupon,
    no conversion, no webhook."""
    now = now or timezone.now()
    with transaction.atomic():
        coupons = Coupon.objects if test else Coupon.objects.select_for_update()
        coupon = coupons.filter(code=coupon_code_clean(code)).first()
        if coupon is None:
            raise CouponNotFound(details={"field": "code"})
        if reference:
            done = CouponRedemption.objects.filter(
                coupon=coupon, merchant=merchant, reference=reference, is_test=test
            ).first()
            if done is not None:
                return done
        _coupon_check(coupon, customer=customer, merchant=merchant, amount=amount, now=now, test=test)
        redemption = CouponRedemption.objects.create(
            coupon=coupon,
            customer=customer,
            merchant=merchant,
            transaction=pos_transaction,
            reference=reference,
            amount=amount,
            discount=coupon.discount_on(amount),
            is_test=test,
        )
        if test:
            return redemption
        Coupon.objects.filter(pk=coupon.pk).update(uses_count=F("uses_count") + 1, updated_at=now)
        if coupon.promo_id:
            CrossPromo.objects.filter(pk=coupon.promo_id).update(converted_count=F("converted_count") + 1)
        clearing_post_coupon(redemption, coupon=coupon)
        audit_log(
            actor=f"merchant:{merchant.code}",
            action="loyalty.coupon.redeemed",
            obj=coupon,
            data={"customer": customer.pk, "discount": str(redemption.discount), "reference": reference},
        )
        webhooks.coupon_redeemed(
            merchant=merchant,
            redemption=redemption,
            coupon=coupon,
            customer_code=customer.customer_code,
            reference=reference,
        )
    return redemption


@transaction.atomic
def coupon_create(*, actor=None, **fields) -> Coupon:
    """A coupon from staff or a chain; ``code`` is generated when not given."""
    fields["code"] = coupon_code_clean(fields.get("code")) or random_code(10)
    coupon = Coupon(**fields)
    coupon.full_clean()
    coupon.save()
    audit_log(actor=actor, action="loyalty.coupon.created", obj=coupon)
    return coupon


PROMOS = HotCache("loyalty:promos-from")


def merchant_has_promos(merchant_id) -> bool:
    """Whether the merchant is the source of an active chain, through the Django cache:
    most merchants are not, and their sales then read nothing for chains. Saving or
    deleting a chain drops the answer (``promos_forget``)."""
    return PROMOS.get(
        lambda: CrossPromo.objects.filter(source_merchant_id=merchant_id, is_active=True).exists(), merchant_id
    )


def promos_forget(instance, **_kwargs):
    """Drops the cached answer for the chain's source merchant, now and again after the
    commit (a reader in between may have cached the old one). A merchant the chain no
    longer starts from keeps "yes" until it expires, which only costs it the query."""
    PROMOS.forget(instance.source_merchant_id)


def promos_issue(*, pos_transaction: PosTransaction, now=None) -> list[Coupon]:
    """A purchase at a chain's source merchant issues the customer a personal coupon for
    the target merchant, once per (chain, transaction)."""
    if not merchant_has_promos(pos_transaction.merchant_id):
        return []
    now = now or timezone.now()
    issued = []
    promos = CrossPromo.objects.filter(
        source_merchant_id=pos_transaction.merchant_id, is_active=True, min_purchase__lte=pos_transaction.amount
    ).select_related("target_merchant")
    for promo in promos:
        code = f"X{promo.pk}T{pos_transaction.pk}"
        if Coupon.objects.filter(code=code).exists():
            continue
        coupon = Coupon.objects.create(
            code=code,
            merchant=promo.target_merchant,
            customer_id=pos_transaction.customer_id,
            kind=promo.coupon_kind,
            value=promo.coupon_value,
            item_name=promo.coupon_item,
            description=promo.name,
            valid_from=now,
            valid_until=now + datetime.timedelta(days=promo.valid_days),
            max_uses=1,
            max_uses_per_customer=1,
            promo=promo,
        )
        CrossPromo.objects.filter(pk=promo.pk).update(issued_count=F("issued_count") + 1)
        issued.append(coupon)
    return issued
