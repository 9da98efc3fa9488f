"""Dashboard panels for the admin index.

An app registers a function ``(request) -> Panel | None`` with ``register``; the index
shows every panel the user may see. Panels carry figures and, where staff would rather
look than read, a series drawn as an inline SVG bar chart (no JavaScript, no CDN).
"""

from dataclasses import dataclass, field

_providers = []


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
                "x": round(i * width, 2),
                "w": round(width * 0.8, 2),
                "h": round(float(value) / top * 100, 2),
                "y": round(100 - float(value) / top * 100, 2),
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


def register(provider):
    _providers.append(provider)
    return provider


def panels_for(request):
    panels = []
    for provider in _providers:
        panel = provider(request)
        if panel is not None:
            panels.append(panel)
    return sorted(panels, key=lambda p: p.order)
