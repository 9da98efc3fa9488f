from django.db import transaction

from skypark.audit.services import audit_log, snapshot

from . import selectors
from .defaults import DEFAULTS
from .models import SystemSetting


@transaction.atomic
def system_setting_update(*, key, value, actor, source="service"):
    """Validate and store a new value; writes an audit entry; drops the cache on commit.
    Locks the setting row so two editors do not interleave."""
    setting = SystemSetting.objects.select_for_update().get(key=key)
    before = snapshot(setting)
    setting.value = value
    setting.updated_by = actor if getattr(actor, "pk", None) else None
    setting.full_clean()
    setting.save()
    audit_log(
        actor=actor, action="config.setting.updated", obj=setting, before=before, after=snapshot(setting), source=source
    )
    transaction.on_commit(selectors.invalidate)
    return setting


def system_settings_seed():
    """Create the settings that are missing, with their defaults. Existing values stay."""
    created = 0
    for key, value, data_type, category, is_public, description, rules in DEFAULTS:
        _obj, was_created = SystemSetting.objects.get_or_create(
            key=key,
            defaults=dict(
                value=value,
                data_type=data_type,
                category=category,
                is_public=is_public,
                description=description,
                validation_rules=rules,
            ),
        )
        created += was_created
    if created:
        transaction.on_commit(selectors.invalidate)
    return created
