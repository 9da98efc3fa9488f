"""Dashboard panels for the admin index.

An app registers a function ``(request) -> Panel | None`` with ``register``; the index
shows every panel the user may see. Panels carry figures and, where staff would rather
look than read, a series drawn as an inline SVG bar chart (no JavaScript, no CDN).

Each panel declares whose figures it shows, as each ModelAdmin does
(``skypark.accounts.admin_scoping``): ``@register(scope="network")`` panels are never
built for merchant staff; ``"merchant"`` and ``"customer"`` panels count only the rows of
the viewer's merchants (``merchant_ids_for``) and ``"global"`` ones only the network's
catalogue.

The bar geometry is written as plain strings (``svg_number``): SVG needs a point as the
decimal separator in every language, and a template would localize a float (``7,14`` in
Russian draws nothing).
"""

from dataclasses import dataclass, field

_providers = []


def svg_number(value) -> str:
    """A number for SVG/CSS/JSON: point decimal, at most two decimals, no grouping."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass
class Figure:
    label: str
    value: object
    hint: str = ""


@dataclass
class Series:
    label: str
    points: list  # [(label, number)]

    @property
    def bars(self):
        top = max((float(v) for _, v in self.points), default=0) or 1
        width = 100 / max(len(self.points), 1)
        return [
            {
                "label": label,
                "value": value,
                "x": svg_number(i * width),
                "w": svg_number(width * 0.8),
                "h": svg_number(float(value) / top * 100),
                "y": svg_number(100 - float(value) / top * 100),
            }
            for i, (label, value) in enumerate(self.points)
        ]


@dataclass
class Panel:
    title: str
    figures: list = field(default_factory=list)
    series: list = field(default_factory=list)
    link: str = ""
    order: int = 100


def register(*, scope):
    from skypark.accounts.admin_scoping import SCOPES

    if scope not in SCOPES:
        raise ValueError(f"a dashboard panel's scope is one of {SCOPES}, not {scope!r}")

    def add(provider):
        provider.scope = scope
        _providers.append(provider)
        return provider

    return add


def panels_for(request):
    from skypark.accounts.admin_scoping import NETWORK, is_merchant_staff

    merchant_staff = is_merchant_staff(request.user)
    panels = []
    for provider in _providers:
        if merchant_staff and provider.scope == NETWORK:
            continue
        panel = provider(request)
        if panel is not None:
            panels.append(panel)
    return sorted(panels, key=lambda p: p.order)
