"""The coalition's rules as the posting path reads them: one cached book per process
group (the Django cache), dropped whenever staff save a coalition or a rule
(``rules_forget``), so a sale reads no table for them."""

from dataclasses import dataclass, field

from skypark.core.hotcache import HotCache

from ..models import ClearingRule, Coalition, FundingRule

BOOK = HotCache("clearing:rules-book:v2")


@dataclass
class RuleBook:
    coalition: Coalition
    # Newest first within each: rules for one partner and the coalition's defaults.
    by_merchant: dict = field(default_factory=dict)
    defaults: list = field(default_factory=list)
    funding_by_promo: dict = field(default_factory=dict)
    funding_by_coupon: dict = field(default_factory=dict)

    def rule_for(self, merchant_id, at) -> ClearingRule | None:
        """The rule in force at ``at`` for the partner: its own newest rule from before
        ``at``, else the coalition's default then."""
        for rule in self.by_merchant.get(merchant_id, ()):
            if rule.effective_from <= at:
                return rule
        for rule in self.defaults:
            if rule.effective_from <= at:
                return rule
        return None

    def funding_for(self, *, coupon_id, promo_id, at) -> FundingRule | None:
        for rules in (self.funding_by_coupon.get(coupon_id, ()), self.funding_by_promo.get(promo_id, ())):
            for rule in rules:
                if rule.effective_from <= at:
                    return rule
        return None


_NONE = "none"


def _load() -> RuleBook | None:
    coalition = Coalition.objects.filter(is_active=True).first()
    if coalition is None:
        return None
    book = RuleBook(coalition=coalition)
    for rule in ClearingRule.objects.filter(coalition=coalition).order_by("-effective_from"):
        if rule.merchant_id is None:
            book.defaults.append(rule)
        else:
            book.by_merchant.setdefault(rule.merchant_id, []).append(rule)
    for rule in FundingRule.objects.filter(coalition=coalition).order_by("-effective_from"):
        if rule.coupon_id:
            book.funding_by_coupon.setdefault(rule.coupon_id, []).append(rule)
        else:
            book.funding_by_promo.setdefault(rule.promo_id, []).append(rule)
    return book


def rule_book() -> RuleBook | None:
    """The active coalition with its rules, or None when no coalition clears."""
    found = BOOK.get(lambda: _load() or _NONE)
    return None if isinstance(found, str) else found


def rules_forget(**_kwargs):
    """Drops the cached book now and again after the commit (a reader in between may
    have cached the old one)."""
    BOOK.forget()
