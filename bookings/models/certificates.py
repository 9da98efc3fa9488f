"""Certificates issued to attendees once their session has been completed."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.models import TimeStampedModel
from skypark.core.references import random_code

from .bookings import Attendee, Booking
from .courses import Course


def new_certificate_number() -> str:
    return f"RFT-{timezone.now():%Y}-{random_code(8)}"


class Certificate(TimeStampedModel):
    number = models.CharField(_("number"), max_length=30, unique=True, default=new_certificate_number, editable=False)
    attendee = models.OneToOneField(
        Attendee, verbose_name=_("attendee"), on_delete=models.PROTECT, related_name="certificate"
    )
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates")
    learner_name = models.CharField(_("learner"), max_length=255)
    learner_email = models.EmailField(_("e-mail"), blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expiry_notice_sent_at = models.DateTimeField(_("expiry notice sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=F("issued_on")), name="bookings_cert_expiry_after_issue")
        ]
        indexes = [models.Index(fields=["expires_on"], name="bookings_cert_expires_idx")]

    def __str__(self):
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.expires_on >= timezone.localdate()
