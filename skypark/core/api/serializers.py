"""Serializer bases shared by the apps' APIs."""

import copy

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
    # (A comment, not a docstring: the API schema would show a docstring as the
    # description of every serializer built on this class.)

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_model_output_fields")
        if built is None:
            built = super().get_fields()
            cls._model_output_fields = built
        return copy.deepcopy(built)
