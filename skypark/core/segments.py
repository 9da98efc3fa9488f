"""The customer-segment port: how a domain (the offer constructor) asks which RFM segment
a customer is in without importing the analytics app.

``skypark.analytics`` registers its implementation with ``set_provider`` in its
``AppConfig.ready``; without it nobody is in any segment, so an offer that targets a
segment applies to no one (never to everyone)."""

from collections.abc import Callable


class NullSegmentProvider:
    def segment_of(self, *, customer_id: int, merchant_id: int | None = None) -> str | None:
        """The customer's segment code in the latest snapshot (``merchant_id``: among that
        merchant's customers; ``None``: the whole network), or ``None``."""
        return None

    def choices(self) -> list[tuple[str, str]]:
        """``[(code, label)]`` of the segments there are."""
        return []


_provider = NullSegmentProvider()


def set_provider(provider):
    global _provider
    _provider = provider


def get_provider():
    return _provider


def segment_of(*, customer_id: int, merchant_id: int | None = None) -> str | None:
    return _provider.segment_of(customer_id=customer_id, merchant_id=merchant_id)


def segment_choices() -> list[tuple[str, str]]:
    return _provider.choices()


SegmentLookup = Callable[[int, int | None], str | None]
