"""Venues and what their country and clocks decide: the UK and Kyrgyz postcode formats
and the time zone a venue's sessions are shown in."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skypark.core.models import TimeStampedModel

# The Royal Mail format: outward code (area, district) and inward code (sector, unit),
# plus the one historic exception GIR 0AA.
POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")


def postcode_normalise(value: str) -> str:
    """``"sw1a1aa"`` → ``"SW1A 1AA"``; raises ``ValidationError`` for anything that is not
    a UK postcode."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not POSTCODE_RE.match(compact):
        raise ValidationError(_("Enter a UK postcode, e.g. SW1A 1AA."), code="invalid_postcode")
    return f"{compact[:-3]} {compact[-3:]}"


KG_POSTCODE_RE = re.compile(r"^7[0-9]{5}$")


def kg_postcode_normalise(value: str) -> str:
    """Kyrgyz postal codes are six digits starting with 7 (Bishkek 720001, Osh 723500)."""
    compact = re.sub(r"\s+", "", value or "")
    if not KG_POSTCODE_RE.match(compact):
        raise ValidationError(_("Enter a Kyrgyz postal code, e.g. 720001."), code="invalid_postcode")
    return compact


DEFAULT_VENUE_ZONE = "Europe/London"
COUNTRY_ZONES = {"GB": "Europe/London", "KG": "Asia/Bishkek"}


def zone_names() -> set[str]:
    return zoneinfo.available_timezones()


def zone_get(name: str) -> zoneinfo.ZoneInfo:
    """The venue's zone; an unknown name (a zone database without it) falls back to the
    default rather than breaking a page."""
    try:
        return zoneinfo.ZoneInfo(name or DEFAULT_VENUE_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_VENUE_ZONE)


class Venue(TimeStampedModel):
    """A room where sessions run, in the UK or in Kyrgyzstan; the country decides the
    postcode format."""

    class Country(models.TextChoices):
        GB = "GB", _("United Kingdom")
        KG = "KG", _("Kyrgyzstan")

    name = models.CharField(_("name"), max_length=255)
    address_line1 = models.CharField(_("address line 1"), max_length=255)
    address_line2 = models.CharField(_("address line 2"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100)
    postcode = models.CharField(
        _("postcode"), max_length=10, help_text=_("A UK postcode (SW1A 1AA) or a Kyrgyz one (720001).")
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.GB)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    facilities = models.JSONField(
        _("facilities"), default=list, blank=True, help_text=_('A list, e.g. ["Projector", "Step-free access"].')
    )
    parking_info = models.TextField(_("parking"), blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=DEFAULT_VENUE_ZONE,
        help_text=_("The zone of the venue's clocks (Europe/London, Asia/Bishkek): times are shown in it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["city", "name"]
        constraints = [models.CheckConstraint(condition=Q(capacity__gt=0), name="bookings_venue_capacity_gt_0")]
        indexes = [models.Index(fields=["city", "is_active"], name="bookings_venue_city_idx")]

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_get(self.time_zone)

    def clean(self):
        super().clean()
        if self.time_zone not in zone_names():
            raise ValidationError({"time_zone": _("Choose a time zone from the list, e.g. Europe/London.")})
        if self.postcode:
            normalise = kg_postcode_normalise if self.country == self.Country.KG else postcode_normalise
            try:
                self.postcode = normalise(self.postcode)
            except ValidationError as exc:
                raise ValidationError({"postcode": exc.messages})

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.address_line1, self.address_line2, self.city, self.postcode) if part)
