from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from skypark.accounts.customer_page import (
    ROWS,
    CustomerPanel,
    admin_link,
    changelist_url,
    customer_panel,
    customer_scope,
)
from skypark.core.backoffice import place

from .models import Account, LedgerEntry

place("loyalty", section="loyalty")


@customer_scope
def merchant_customers(merchant_ids):
    """A merchant's customers are those who hold a points account with it."""
    return Q(Exists(Account.objects.filter(customer=OuterRef("pk"), merchant__in=merchant_ids)))


@customer_panel(order=50)
def balance_panel(request, customer, scope):
    if not request.user.has_perm("loyalty.view_account"):
        return None
    accounts = (
        Account.objects.filter(customer=customer).select_related("merchant", "tier").order_by("merchant_id", "pk")
    )
    if not scope.everything:
        accounts = accounts.filter(merchant__in=scope.merchant_ids)
    accounts = list(accounts)
    coalition = next((a for a in accounts if a.merchant_id is None), None)
    figures = []
    if coalition is not None:
        figures = [
            (_("Bonus balance"), coalition.balance),
            (_("Tier"), coalition.tier.name if coalition.tier else "—"),
        ]
    return CustomerPanel(
        key="loyalty",
        title=_("Points accounts"),
        columns=[_("account"), _("balance"), _("tier"), _("earned in total"), _("last activity")],
        rows=[
            [
                admin_link(a, a.merchant.name if a.merchant else _("Coalition")),
                a.balance,
                a.tier.name if a.tier else "—",
                a.lifetime_earned,
                a.last_activity_at,
            ]
            for a in accounts
        ],
        total=len(accounts),
        figures=figures,
        more_url=changelist_url(Account, q=customer.customer_code),
    )


@customer_panel(order=55)
def history_panel(request, customer, scope):
    if not request.user.has_perm("loyalty.view_ledgerentry"):
        return None
    entries = LedgerEntry.objects.filter(account__customer=customer)
    if not scope.everything:
        entries = entries.filter(merchant__in=scope.merchant_ids)
    entries = entries.select_related("merchant").order_by("-created_at", "-pk")
    return CustomerPanel(
        key="points-history",
        title=_("Points history"),
        columns=[_("at"), _("kind"), _("points"), _("balance after"), _("where")],
        rows=[
            [
                admin_link(e, e.created_at),
                e.get_kind_display(),
                f"{e.points:+d}",
                e.balance_after,
                e.merchant.name if e.merchant else "—",
            ]
            for e in entries[:ROWS]
        ],
        total=entries.count(),
        more_url=changelist_url(LedgerEntry, q=customer.customer_code),
    )
