"""Staff roles: one Django group per kind of back-office work, made from the sections.

A role gives its members the permissions on the models of its sections, so the admin
shows them those sections and nothing else. Merchant staff are the exception to "see
everything in the section": their role carries no ``accounts.view_all_merchants``, so
the merchant scoping (``skypark.accounts.admin_scoping``) limits them to their own
merchant's rows. ``role_groups_sync`` is safe to run again: it sets each group's
permissions to exactly what its role says.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .backoffice import section_of_model


@dataclass(frozen=True)
class Role:
    group: str
    sections: tuple
    actions: tuple = ("view", "add", "change")
    extra: tuple = ()


ALL_MERCHANTS = "accounts.view_all_merchants"

ROLES = (
    Role(
        "Park managers",
        ("parks",),
        extra=(ALL_MERCHANTS, "commerce.view_order", "accounts.view_user", "commerce.confirm_cash_payment"),
    ),
    Role("Event organisers", ("events",), extra=(ALL_MERCHANTS, "accounts.view_user")),
    # A merchant's own organisers: the same sections, limited to the merchant's events.
    Role("Merchant event organisers", ("events",)),
    Role("Course administrators", ("courses",), extra=(ALL_MERCHANTS, "accounts.view_user")),
    Role("Network staff", ("loyalty",), extra=(ALL_MERCHANTS, "accounts.view_user")),
    Role(
        "Merchant staff",
        ("loyalty",),
        actions=("view",),
        extra=("accounts.view_user", "analytics.add_segmentcampaign", "analytics.change_segmentcampaign"),
    ),
    Role("Customer care", ("customers",), extra=(ALL_MERCHANTS,)),
    Role(
        "Finance",
        ("finance",),
        actions=("view", "change"),
        extra=(ALL_MERCHANTS, "commerce.refund_order", "commerce.confirm_cash_payment"),
    ),
)


def _permission(label):
    app_label, codename = label.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def role_permissions(role):
    models = [m for m in admin.site._registry if section_of_model(m).key in role.sections]
    content_types = ContentType.objects.get_for_models(*models).values() if models else []
    codenames = {f"{action}_{m._meta.model_name}" for m in models for action in role.actions}
    permissions = set(Permission.objects.filter(content_type__in=content_types, codename__in=codenames))
    permissions |= {p for p in (_permission(label) for label in role.extra) if p is not None}
    return permissions


@transaction.atomic
def role_groups_sync():
    """Create or update one group per role; returns ``{group name: permission count}``."""
    apps.check_models_ready()
    result = {}
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.group)
        permissions = role_permissions(role)
        group.permissions.set(permissions)
        result[role.group] = len(permissions)
    return result
