"""Loyalty content that staff write, kept per language (see ``skypark.core.translated``)."""

from skypark.core.translated import register_translated

from .models import Tier

register_translated(Tier, "name")
