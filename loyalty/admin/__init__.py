"""Back-office of the loyalty network.

Merchant staff see only their merchant's programs, accounts, transactions, coupons,
scans, imports and figures (``MerchantScopedAdminMixin``); network staff see
everything. Balances and the ledger change only through services: manual adjustments
go through a form that requires a reason and is audited; CSV imports run in Celery and
show their progress here.

The admins live in modules by subject (``programs``, ``accounts``, ``transactions``,
``imports``, ``stats``); the till's (with the fraud review) and the offer
constructor's admins live in their own packages. Importing this package registers them all.
"""

from ..offers import admin as offers_admin  # noqa: F401
from ..till import admin as till_admin  # noqa: F401
from . import accounts, imports, programs, stats, transactions  # noqa: F401
