from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class SystemSetting(models.Model):
    """A typed, validated configuration value that staff can change without a deploy."""

    class DataType(models.TextChoices):
        STRING = "string", _("string")
        NUMBER = "number", _("number")
        BOOLEAN = "boolean", _("boolean")
        JSON = "json", _("JSON object")
        ARRAY = "array", _("array")

    key = models.CharField(_("key"), max_length=100, unique=True)
    value = models.JSONField(_("value"), encoder=DjangoJSONEncoder)
    data_type = models.CharField(_("type"), max_length=10, choices=DataType.choices)
    category = models.CharField(_("category"), max_length=50, default="general", db_index=True)
    description = models.TextField(_("description"), blank=True)
    validation_rules = models.JSONField(
        _("validation rules"),
        default=dict,
        blank=True,
        help_text=_('Optional: {"min": 0, "max": 1, "integer": true, "choices": [...]}'),
    )
    is_public = models.BooleanField(_("public"), default=False, help_text=_("Pages and the API may show it."))
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("system setting")
        verbose_name_plural = _("system settings")
        ordering = ["category", "key"]

    def __str__(self):
        return self.key

    @property
    def audit_hidden_fields(self):
        return ("value",) if self.is_sensitive else ()

    def clean(self):
        super().clean()
        check_rules(self.validation_rules)
        self.value = coerce_value(self.data_type, self.value, self.validation_rules or {})


RULE_KEYS = {"min", "max", "integer", "choices", "tiers"}


def check_rules(rules):
    """The rules themselves must be well-formed before a value is checked against them."""
    if rules in (None, {}):
        return
    message = _('Rules are a JSON object with optional "min"/"max" numbers, "integer" true/false and a "choices" list.')
    if not isinstance(rules, dict) or set(rules) - RULE_KEYS:
        raise ValidationError({"validation_rules": message})
    for bound in ("min", "max"):
        if bound in rules:
            if isinstance(rules[bound], bool):
                raise ValidationError({"validation_rules": message})
            try:
                Decimal(str(rules[bound]))
            except (InvalidOperation, ValueError):
                raise ValidationError({"validation_rules": message})
    for flag in ("integer", "tiers"):
        if flag in rules and not isinstance(rules[flag], bool):
            raise ValidationError({"validation_rules": message})
    if "choices" in rules and not isinstance(rules["choices"], list):
        raise ValidationError({"validation_rules": message})


def coerce_value(data_type, value, rules):
    """Check ``value`` against its type and rules; return it in its stored JSON form."""
    DT = SystemSetting.DataType
    if data_type == DT.NUMBER:
        if isinstance(value, bool):
            raise ValidationError({"value": _("Enter a number.")})
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ValidationError({"value": _("Enter a number.")})
        if not number.is_finite():
            raise ValidationError({"value": _("Enter a number.")})
        if rules.get("integer") and number != number.to_integral_value():
            raise ValidationError({"value": _("Enter a whole number.")})
        if "min" in rules and number < Decimal(str(rules["min"])):
            raise ValidationError({"value": _("The value must be at least %(min)s.") % {"min": rules["min"]}})
        if "max" in rules and number > Decimal(str(rules["max"])):
            raise ValidationError({"value": _("The value must be at most %(max)s.") % {"max": rules["max"]}})
        value = int(number) if number == number.to_integral_value() else float(number)
    elif data_type == DT.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError({"value": _("Enter true or false.")})
    elif data_type == DT.STRING:
        if not isinstance(value, str):
            raise ValidationError({"value": _("Enter text.")})
    elif data_type == DT.JSON:
        if not isinstance(value, dict):
            raise ValidationError({"value": _("Enter a JSON object.")})
    elif data_type == DT.ARRAY:
        if not isinstance(value, list):
            raise ValidationError({"value": _("Enter a JSON array.")})
    if rules.get("tiers"):
        value = coerce_tiers(value)
    choices = rules.get("choices")
    if choices and value not in choices:
        raise ValidationError({"value": _("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, choices))}})
    return value


def coerce_tiers(value):
    """A refund ladder: a list of ``{"hours": whole hours before the start, "percent":
    0..100}``, each hours value given once. Returned sorted, longest notice first."""
    message = _('Enter a list such as [{"hours": 48, "percent": 100}, {"hours": 24, "percent": 50}].')
    if not isinstance(value, list):
        raise ValidationError({"value": message})
    tiers = []
    for tier in value:
        if not isinstance(tier, dict) or set(tier) != {"hours", "percent"}:
            raise ValidationError({"value": message})
        hours, percent = tier["hours"], tier["percent"]
        if isinstance(hours, bool) or not isinstance(hours, int) or hours < 0:
            raise ValidationError({"value": _("Hours must be a whole number, 0 or more.")})
        try:
            number = Decimal(str(percent))
        except (InvalidOperation, ValueError):
            raise ValidationError({"value": _("A percent must be a number from 0 to 100.")})
        if isinstance(percent, bool) or not number.is_finite() or not 0 <= number <= 100:
            raise ValidationError({"value": _("A percent must be a number from 0 to 100.")})
        tiers.append(
            {"hours": hours, "percent": int(number) if number == number.to_integral_value() else float(number)}
        )
    if len({t["hours"] for t in tiers}) != len(tiers):
        raise ValidationError({"value": _("Each number of hours can appear only once.")})
    return sorted(tiers, key=lambda t: -t["hours"])
