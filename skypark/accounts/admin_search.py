"""One admin search for everything a customer can show at a desk or over the phone.

Staff type what they are shown: a backup code as printed (``65BF-WPKV``, any case, with
or without the dash or spaces), a reference (``sp-8h3k2m9p``), a phone number as people
say it (``0555 123 987``, ``+996 555 123 987``, ``996555123987``) or a name (first, last
or full, in any order). Each ModelAdmin that uses ``CustomerSearchAdminMixin`` declares
where those live on its model::

    class TicketAdmin(CustomerSearchAdminMixin, admin.ModelAdmin):
        search_backup_code = "backup_code"
        search_customer = "customer"        # the path to the customer
        search_order = "order"              # the path to the order

The admin of the customer itself says ``search_customer = ""`` and declares the
customer's own columns (``search_phone``, ``search_name``, ``search_exact``,
``search_email``); the admin of orders says ``search_order = ""``. A term is turned into
exact values first (the E.164 phone, the canonical backup code, the reference spellings)
and every lookup is an equality on a unique or indexed column, so a search costs a few
index probes whatever the table size:

* the model's own codes and references are matched directly;
* customers are found once (phone, customer code, e-mail, name) and the rows filtered by
  the customer's id; orders likewise by the order's reference;
* the customer's and the order's own admins also find their row through every code
  holder (a ticket's backup code finds its order and its customer), one query per holder.

So a search runs a constant number of queries: at most one per registered admin that
declares codes, plus the page's own. Names are matched word by word (``icontains`` on
the customer table only, served by a trigram index on PostgreSQL); at most
``SEARCH_LINK_LIMIT`` customers are taken from a name, enough for a desk and bounded
for the orders and tickets they lead to.
"""

import re
from functools import reduce
from operator import or_

from django.contrib.admin.utils import lookup_spawns_duplicates
from django.db.models import Q
from django.db.models.functions import Lower

from skypark.core.references import ALPHABET, DASHES, normalise_code

from .phones import phone_candidates

BACKUP_CODE_LENGTH = 8
SEARCH_LINK_LIMIT = 500
REFERENCE_RE = re.compile(r"^([A-Z]{1,4})-?([0-9A-Z]{4,16})$")
CODE_RE = re.compile(f"^[{ALPHABET}]{{{BACKUP_CODE_LENGTH}}}$")
WORD_RE = re.compile(r"\w+")


def backup_code_candidate(term: str) -> str | None:
    """The canonical backup code a typed term can be (``"65bf wpkv"`` → ``"65BFWPKV"``)."""
    code = normalise_code(term)
    return code if CODE_RE.match(code) else None


def reference_candidates(term: str) -> list[str]:
    """Every stored spelling a typed reference can have: ``"rf abcd1234"`` →
    ``["RF-ABCD1234", "RFABCD1234", …]``. References are stored in capitals, some with a
    dash after their letter prefix and some without; typed without the dash, the prefix
    may be any of the leading letters."""
    value = "".join("-" if ch in DASHES else ch for ch in "".join(term.split())).upper()
    if not REFERENCE_RE.match(value):
        return []
    prefix, dash, rest = value.partition("-")
    splits = [(prefix, rest)] if dash else [(value[:i], value[i:]) for i in range(1, 5) if value[:i].isalpha()]
    spellings = set()
    for head, body in splits:
        if not head.isalpha() or not body:
            continue
        for text in {body, normalise_code(body)}:
            spellings |= {f"{head}-{text}", f"{head}{text}"}
    return sorted(spellings)


def name_words(term: str) -> list[str]:
    """The words of a name search, or none when the term cannot be a name (it has no
    letter, or is shorter than three characters)."""
    if len(term) < 3 or not any(ch.isalpha() for ch in term) or "@" in term:
        return []
    return WORD_RE.findall(term)


class CustomerSearchAdminMixin:
    """Declared, normalising, index-only search (see the module docstring).

    ``search_also`` may list extra ``icontains`` lookups for small tables; they are OR-ed
    with the declared ones. ``search_fields`` is derived from the declarations (Django
    needs it to show the search box and to allow autocomplete); it is never searched as
    such."""

    search_backup_code = ""
    search_references: tuple[str, ...] = ()
    search_customer: str | None = None
    search_order: str | None = None
    # The customer's own columns (only on the customer's admin).
    search_phone = ""
    search_name = ""
    search_exact: tuple[str, ...] = ()
    search_email = ""

    search_also: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_fields = self.search_declared()

    def search_declared(self) -> tuple[str, ...]:
        """The declared columns as Django search lookups, for Django's own checks."""
        fields = [self.search_backup_code, *self.search_references, self.search_phone, *self.search_exact]
        fields = [f"={field}" for field in fields if field]
        if self.search_customer:
            fields.append(f"={self.search_customer}__phone")
        if self.search_order:
            fields.append(f"={self.search_order}__reference")
        fields += [field for field in (self.search_name, self.search_email) if field]
        return (*fields, *self.search_also)

    # --- the model's own columns ---------------------------------------------------------

    def search_own_q(self, term: str) -> Q | None:
        """Exact matches of ``term`` on this model's own declared columns, or None."""
        parts = []
        code = backup_code_candidate(term)
        if self.search_backup_code and code:
            parts.append(Q(**{self.search_backup_code: code}))
        references = reference_candidates(term)
        for field in self.search_references:
            if references:
                parts.append(Q(**{f"{field}__in": references}))
        if self.search_phone:
            phones = phone_candidates(term)
            if phones:
                parts.append(Q(**{f"{self.search_phone}__in": phones}))
        for field in self.search_exact:
            value = term.strip().upper()
            if value:
                parts.append(Q(**{field: value}))
        if self.search_email and "@" in term:
            parts.append(Q(_search_email=term.strip().lower()))
        words = name_words(term) if self.search_name else []
        if words:
            parts.append(reduce(lambda q, w: q & Q(**{f"{self.search_name}__icontains": w}), words, Q()))
        return reduce(or_, parts) if parts else None

    def search_own_queryset(self, term: str):
        """This model's rows whose own columns match, or None (no query is run)."""
        q = self.search_own_q(term)
        if q is None:
            return None
        rows = self.model._default_manager.all()
        if self.search_email:
            rows = rows.alias(_search_email=Lower(self.search_email))
        return rows.filter(q)

    # --- links through the customer and the order ----------------------------------------

    def _search_admins(self):
        return [a for a in self.admin_site._registry.values() if isinstance(a, CustomerSearchAdminMixin)]

    def _search_linked_ids(self, link: str, term: str) -> list | None:
        """Ids of the customers (``link="customer"``) or orders (``"order"``) that ``term``
        leads to, or None when this admin has no such link or nothing can match."""
        own_path = getattr(self, f"search_{link}")
        if own_path is None:
            return None
        ids, asked = set(), False
        for holder in self._search_admins():
            path = getattr(holder, f"search_{link}")
            if holder is self or path is None:
                continue
            # A customer's (an order's) own admin finds it through every holder; any other
            # admin through the customer's (the order's) own admin only.
            if own_path != "" and path != "":
                continue
            rows = holder.search_own_queryset(term)
            if rows is None:
                continue
            asked = True
            ids.update(rows.order_by().values_list(path or "pk", flat=True)[:SEARCH_LINK_LIMIT])
        ids.discard(None)
        return sorted(ids) if asked else None

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()[:200]
        if not term:
            return queryset, False
        parts = []
        own = self.search_own_q(term)
        if own is not None:
            parts.append(own)
        for link in ("customer", "order"):
            ids = self._search_linked_ids(link, term)
            if ids:
                path = getattr(self, f"search_{link}")
                parts.append(Q(**{f"{path or 'pk'}__in": ids}))
        if self.search_email and "@" in term:
            queryset = queryset.alias(_search_email=Lower(self.search_email))
        duplicates = False
        for field in self.search_also:
            parts.append(Q(**{f"{field}__icontains": term}))
            duplicates = duplicates or lookup_spawns_duplicates(self.opts, field)
        return (queryset.filter(reduce(or_, parts)) if parts else queryset.none()), duplicates
