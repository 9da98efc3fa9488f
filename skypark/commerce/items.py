"""What an order bought, in words a customer understands, without commerce knowing the
domains' models.

An order line points at the domain object it sold (``content_type``/``object_id``) and
names its ``kind`` (``"parks.ticket"``, ``"events.registration"``, ...). Each domain
registers, for its kinds, a function that describes its objects; the checkout's pages
(the payment result, "My orders", the receipt) ask this module and render what comes
back. A domain registers in its ``AppConfig.ready``::

    item_kind_register("parks.ticket", tickets_describe)

``describe(object_ids)`` receives the ids of every line of that kind on the page (one
call per kind, so a list of orders costs one query per kind, not one per order) and
returns ``{object_id: PurchasedItem}``; ids it does not know are simply left out.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .models import Order


@dataclass(frozen=True)
class PurchasedItem:
    """One thing bought, as the customer sees it: a ticket for several children, a
    registration, a booking for several attendees."""

    title: str
    url: str = ""
    link_label: str = ""
    when: datetime.date | datetime.datetime | None = None
    place: str = ""
    people: tuple[str, ...] = ()
    status: str = ""
    reference: str = ""
    again_url: str = ""

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime.datetime)


@dataclass
class OrderItems:
    """An order with the items its lines sold, in line order, each item once."""

    order: Order
    items: list[PurchasedItem] = field(default_factory=list)

    @property
    def summary(self) -> str:
        titles = [item.title for item in self.items]
        if not titles:
            titles = list(dict.fromkeys(line.description for line in self.order.lines.all()))
        return "; ".join(titles)


Describe = Callable[[list[str]], dict[str, PurchasedItem]]
_describers: dict[str, Describe] = {}


def item_kind_register(kind: str, describe: Describe) -> None:
    """Registers how to describe the objects sold on lines of ``kind``. Registering the
    same kind again replaces the function (``ready`` may run more than once in tests)."""
    _describers[kind] = describe


def registered_kinds() -> set[str]:
    return set(_describers)


def orders_items(orders: Iterable[Order]) -> list[OrderItems]:
    """The items of each order. Expects ``lines`` to be prefetched (the selectors do);
    asks each domain once for all of its objects on these orders."""
    orders = list(orders)
    wanted: dict[str, set[str]] = {}
    for order in orders:
        for line in order.lines.all():
            if line.object_id and line.kind in _describers:
                wanted.setdefault(line.kind, set()).add(line.object_id)
    described = {
        (kind, object_id): item
        for kind, ids in wanted.items()
        for object_id, item in _describers[kind](sorted(ids)).items()
    }
    result = []
    for order in orders:
        entry, seen = OrderItems(order=order), set()
        for line in order.lines.all():
            key = (line.kind, line.object_id)
            if key in described and key not in seen:
                seen.add(key)
                entry.items.append(described[key])
        result.append(entry)
    return result


def order_items(order: Order) -> OrderItems:
    return orders_items([order])[0]
