from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Currency(models.TextChoices):
    KGS = "KGS", _("Kyrgyz som")
    GBP = "GBP", _("Pound sterling")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
