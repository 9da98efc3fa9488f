"""Serializer bases shared by the apps' APIs."""

import copy
from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ModelOutput(serializers.ModelSerializer):
    # A ``ModelSerializer`` that works out its fields from the model once per class.
    #
    # DRF rebuilds a model serializer's fields on every instantiation — reading the model's
    # meta, mapping each model field to a serializer field, building labels and choices —
    # which is a large share of a short API request. The fields depend only on the class
    # (its ``Meta`` and declared fields), never on the instance or its context, so they are
    # built once and each serializer gets its own deep copy, as DRF itself does for declared
    # fields. A subclass that needs fields per request overrides ``get_fields`` as usual.
    #
    # Built once per language: DRF decides whether a field gets a label by comparing the
    # model field's verbose name, in the active language, with the field's name ("External
    # id" in English needs none, "Внешний ID" does), so fields built in one language would
    # give the schema in another the wrong titles.
    #
    # Each serializer gets its own copy of each field, because binding a field to its
    # serializer writes to it. DRF's deep copy builds every field anew from its arguments,
    # which cost more than the rest of a short request's rendering; a field that holds no
    # bound child is copied shallowly instead (its settings are shared and never changed,
    # binding sets its name, parent and source on the copy). Nested serializers, list and
    # dict fields and many-relations hold a child bound to them, and are deep-copied.
    #
    # (A comment, not a docstring: the API schema would show a docstring as the
    # description of every serializer built on this class.)

    def get_fields(self):
        cls = type(self)
        by_language = cls.__dict__.get("_model_output_fields")
        if by_language is None:
            by_language = cls._model_output_fields = {}
        language = translation.get_language()
        built = by_language.get(language)
        if built is None:
            built = by_language[language] = super().get_fields()
        return {name: _field_copy(field) for name, field in built.items()}


class SharedFieldSettings:
    # Mixin for a plain ``Serializer`` on a hot path: its declared fields are copied as
    # ``ModelOutput`` copies them, not rebuilt for every instance. (A comment: see
    # ``ModelOutput``.)

    def get_fields(self):
        return {name: _field_copy(field) for name, field in self._declared_fields.items()}


def _field_copy(field):
    if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)


class StrictInput(serializers.Serializer):
    # An input serializer that refuses keys it does not know (a 400 naming each one)
    # instead of dropping them, so a misspelt or unsupported field (``{"places": 2}``
    # where the API takes ``attendees``) is never silently ignored. Nested strict
    # serializers refuse theirs too. (A comment: see ``ModelOutput``.)

    unknown_message = _("This field is not accepted here.")

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise serializers.ValidationError({key: [str(self.unknown_message)] for key in unknown})
        return super().to_internal_value(data)


class VerdictDetails(serializers.Serializer):
    """The facts behind a refused scan: the day a code is valid for, or when and at which
    gate it was used. Only the keys that apply are present."""

    valid_on = serializers.DateField(required=False, help_text="The day the code is valid for (or from).")
    valid_until = serializers.DateField(required=False, help_text="The last valid day of a multi-day code.")
    used_at = serializers.DateTimeField(required=False, help_text="When the code was used or checked in.")
    gate = serializers.CharField(required=False, help_text="The gate where it was used.")
    event = serializers.CharField(required=False, help_text="The event a check-in code is for.")
    opens_at = serializers.DateTimeField(required=False, help_text="When check-in opens.")
    ended_at = serializers.DateTimeField(required=False, help_text="When the event ended.")
    guardians = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="At a park with guardian pairing: the adults listed for the ticket (first name and initial).",
    )


class ErrorBody(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine code, e.g. `login_locked`.")
    message = serializers.CharField(help_text="A message for the person, in the request's language.")
    details = serializers.DictField(required=False, help_text="Per-field messages for validation errors.")


class ErrorOutput(serializers.Serializer):
    """The shape of every API error."""

    error = ErrorBody()
