import datetime

from rest_framework import serializers

from skypark.accounts.models import Merchant
from skypark.core.api.serializers import ModelOutput


class PlainMerchant(serializers.ModelSerializer):
    class Meta:
        model = Merchant
        fields = ("id", "name", "code", "status", "created_at")


class CachedMerchant(ModelOutput):
    class Meta:
        model = Merchant
        fields = ("id", "name", "code", "status", "created_at")


class CachedMerchantWithExtra(CachedMerchant):
    shout = serializers.SerializerMethodField()

    class Meta(CachedMerchant.Meta):
        fields = (*CachedMerchant.Meta.fields, "shout")

    def get_shout(self, obj):
        return obj.name.upper()


def _merchant(**kw):
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return Merchant(pk=7, name="Café", code="cafe", status=Merchant.Status.ACTIVE, created_at=now, **kw)


def test_same_fields_and_output_as_a_plain_model_serializer():
    plain, cached = PlainMerchant(), CachedMerchant()
    assert list(cached.fields) == list(plain.fields)
    for name, field in plain.fields.items():
        assert type(cached.fields[name]) is type(field)
        assert str(cached.fields[name].label) == str(field.label)
    merchant = _merchant()
    assert CachedMerchant(merchant).data == PlainMerchant(merchant).data


def test_fields_are_built_from_the_model_once_per_class(monkeypatch):
    calls = []
    original = serializers.ModelSerializer.get_fields

    def counting(self):
        calls.append(type(self))
        return original(self)

    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", counting)
    for cls in (CachedMerchant, CachedMerchantWithExtra):
        monkeypatch.delattr(cls, "_model_output_fields", raising=False)
    for _ in range(3):
        assert CachedMerchant(_merchant()).data["code"] == "cafe"
        assert CachedMerchantWithExtra(_merchant()).data["shout"] == "CAFÉ"
    assert calls == [CachedMerchant, CachedMerchantWithExtra]


def test_each_instance_gets_its_own_fields():
    first, second = CachedMerchant(), CachedMerchant()
    assert first.fields["name"] is not second.fields["name"]
    assert first.fields["name"].parent is first
    assert second.fields["name"].parent is second
    first.fields.pop("code")
    assert "code" in CachedMerchant().fields


def test_a_subclass_keeps_its_own_fields():
    data = CachedMerchantWithExtra(_merchant()).data
    assert data["shout"] == "CAFÉ"
    assert "shout" not in CachedMerchant(_merchant()).data
