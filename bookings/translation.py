"""Course content that staff write, kept per language (see ``skypark.core.translated``).
A venue's city and postcode stay as written (the city is the sessions' filter, and Bishkek,
Osh, Leeds are spelt the same in ru and ky); its facilities are one list per language."""

from skypark.core.translated import register_translated

from .models import Course, CourseType, Venue

register_translated(CourseType, "name", "description")
register_translated(Course, "name", "description")
register_translated(Venue, "name", "address_line1", "address_line2", "parking_info", "facilities")
