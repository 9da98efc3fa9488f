"""RFM scores and the named segments, written down once and used by SQL and Python alike.

Each customer gets, per scope (the whole network, or one merchant) and per currency (a
KGS customer and a GBP customer are never ranked against each other), three scores from
1 to 5 over the 365 days before the snapshot:

- **R** (recency: days since the last purchase), **F** (frequency: purchases) and **M**
  (monetary: what was paid, less refunds);
- score = ``ceil(5 × at_or_below / customers)``, where ``at_or_below`` counts the customers
  who are as good or worse (last purchase as old or older, as few purchases or fewer, as
  little money or less): the best fifth scores 5, the worst fifth 1, and customers with
  equal values always share a score.

The segment follows from R and F (M is shown beside it, as the grid below is the usual
RFM map):

=============== ============================ ==============================================
segment         R, F                         who
=============== ============================ ==============================================
champions       R 4–5, F 4–5                 bought recently and often
loyal           R 3–5, F 3 or R 3, F 4–5     buy regularly
potential       R 4–5, F 1–2 (not new)       recent, not yet frequent
new             R 5, F 1                     a first purchase, very recently
at risk         R 2, F 2–3                   used to buy, slipping away
can't lose      R 1–2, F 4–5                 were among the best, have not come back
hibernating     R 3, F 1–2 or R 2, F 1       few purchases, a while ago
lost            R 1, F 1–3                   long gone, never frequent
=============== ============================ ==============================================
"""

from django.utils.translation import gettext_lazy as _

SEGMENTS = {
    "champions": _("champions"),
    "loyal": _("loyal"),
    "potential": _("potential"),
    "new": _("new"),
    "at_risk": _("at risk"),
    "cant_lose": _("can't lose"),
    "hibernating": _("hibernating"),
    "lost": _("lost"),
}

# (R, F) -> segment, every one of the 25 cells.
GRID = {}
for _f in (1, 2, 3, 4, 5):
    GRID[(5, _f)] = "new" if _f == 1 else "potential" if _f == 2 else "loyal" if _f == 3 else "champions"
    GRID[(4, _f)] = "potential" if _f <= 2 else "loyal" if _f == 3 else "champions"
    GRID[(3, _f)] = "hibernating" if _f <= 2 else "loyal"
    GRID[(2, _f)] = "hibernating" if _f == 1 else "at_risk" if _f <= 3 else "cant_lose"
    GRID[(1, _f)] = "lost" if _f <= 3 else "cant_lose"


def segment_of(r, f) -> str:
    return GRID[(r, f)]


def segment_sql(r="r_score", f="f_score") -> str:
    """The grid as a ClickHouse expression."""
    arms = ", ".join(f"{r} = {rv} AND {f} = {fv}, '{name}'" for (rv, fv), name in sorted(GRID.items()))
    return f"multiIf({arms}, 'lost')"


def score(at_or_below, total) -> int:
    """The quintile score of a customer whom ``at_or_below`` of ``total`` customers equal or
    trail (``at_or_below`` counts the customer too)."""
    return (5 * at_or_below + total - 1) // total
