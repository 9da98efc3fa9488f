"""Park content that staff write, kept per language (see ``skypark.core.translated``)."""

from skypark.core.translated import register_translated

from .models import Park, TimeSlot

register_translated(Park, "name", "address", "amenities", "closure_reason")
register_translated(TimeSlot, "name")
