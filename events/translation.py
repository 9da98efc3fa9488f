"""Event content that staff write, kept per language (see ``skypark.core.translated``)."""

from skypark.core.translated import register_translated

from .models import Badge, Event, EventType

register_translated(EventType, "name")
register_translated(Event, "title", "description", "location")
register_translated(Badge, "name", "description")
