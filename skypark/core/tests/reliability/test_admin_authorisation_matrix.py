"""Authorisation matrix of the back-office, generated from ``admin.site._registry``.

For every registered ModelAdmin, a member of merchant A's staff who holds every view
permission (and no ``view_all_merchants``) looks for merchant B's rows everywhere the
admin can show them: the changelist, the change page, the history page, the
autocomplete (Django's ``/admin/autocomplete/`` view, reached through any field that
points to the model), the CSV export and every action offered to them. What each admin
must do depends on the scope it declares (``skypark.accounts.admin_scoping``):

* ``merchant`` and ``customer``: ``OWNED_ROWS`` holds a function that makes a row of
  this model owned by a given merchant (or by a customer who holds an account with it
  and nowhere else). B's row must appear nowhere and stay unchanged; A's row must
  appear in the list and open, so the check cannot pass on an empty or broken page.
* ``global``: readable, never addable, changeable or deletable, no actions; and the model
  has no column naming a merchant or a customer.
* ``network``: no module, 403 on the list, the add page, the change page, the history,
  the autocomplete and the export.

An admin without a declared scope, or with a customer/merchant scope and no entry in
``OWNED_ROWS``, fails. The rows are built once for the module.
"""

import csv
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, URLPattern, reverse
from django.utils import timezone

from skypark.accounts.admin_scoping import CUSTOMER, GLOBAL, MERCHANT, scope_problems
from skypark.accounts.models import Merchant, MerchantMembership, User
from skypark.accounts.tests.factories import MembershipFactory, MerchantFactory, UserFactory, issue_key

ALLOWED_REFUSALS = (302, 403, 404)


@dataclass
class Side:
    """One merchant and a customer who holds an account with it and nowhere else."""

    merchant: Merchant
    customer: User
    tag: str


def _account(side):
    from loyalty.tests.factories import give_points

    return give_points(side.customer, 10, merchant=side.merchant).account


def _ledger_entry(side):
    from loyalty.tests.factories import give_points

    return give_points(side.customer, 7, merchant=side.merchant)


def _event(side):
    from events.tests.factories import EventFactory

    return EventFactory(organiser=side.merchant)


def _registration(side):
    from events.models import Registration

    return Registration.objects.create(event=_event(side), customer=side.customer, status="confirmed")


def _points_entry(side):
    from events.models import PointsEntry

    return PointsEntry.objects.create(
        customer=side.customer,
        points=5,
        kind="attendance",
        reference=f"matrix-{uuid.uuid4().hex}",
        event=_event(side),
        week="2026-W01",
        month="2026-01",
    )


def _user_badge(side):
    from events.models import UserBadge
    from events.tests.factories import badge

    return UserBadge.objects.create(customer=side.customer, badge=badge("manual", [1], code=f"b-{side.tag}"))


def _member_profile(side):
    from events.models import MemberProfile

    return MemberProfile.objects.get_or_create(customer=side.customer)[0]


def _referral(side):
    from loyalty.models import Referral

    return Referral.objects.create(referrer=side.customer, referred=_customer_of(side.merchant))


def _pos_transaction(side):
    from loyalty import services

    transaction_, _created = services.pos_transaction_record(
        merchant=side.merchant, customer=side.customer, external_id=f"matrix-{side.tag}", amount=Decimal("500")
    )
    return transaction_


def _coupon(side):
    from loyalty.tests.factories import CouponFactory

    return CouponFactory(merchant=side.merchant, customer=side.customer)


def _coupon_redemption(side):
    from loyalty.models import CouponRedemption

    return CouponRedemption.objects.create(
        coupon=_coupon(side),
        customer=side.customer,
        merchant=side.merchant,
        reference=f"matrix-{side.tag}",
        amount=Decimal("100"),
        discount=Decimal("10"),
    )


def _cross_promo(side):
    from loyalty.tests.factories import PromoFactory

    return PromoFactory(source_merchant=side.merchant)


def _scan(side):
    from loyalty.models import ScanLog

    return ScanLog.objects.create(merchant=side.merchant, customer=side.customer, result="found", payload="x")


def _import_batch(side):
    from loyalty.models import ImportBatch

    return ImportBatch.objects.create(merchant=side.merchant, rows=[{}], total_rows=1)


def _daily_stats(side):
    from loyalty.models import MerchantDailyStats

    return MerchantDailyStats.objects.create(merchant=side.merchant, date=timezone.localdate(), transactions=3)


def _tier_change(side):
    from loyalty.models import TierChange

    return TierChange.objects.create(account=_account(side), qualifying_points=10, is_upgrade=True)


def _program(side):
    from loyalty.tests.factories import ProgramFactory

    return ProgramFactory(merchant=side.merchant)


def _tier(side):
    from loyalty.models import Tier

    return Tier.objects.create(merchant=side.merchant, code=f"t-{side.tag}", name=f"Tier {side.tag}", min_points=0)


def _offer(side):
    import datetime

    from loyalty.offers.models import Offer

    now = timezone.now()
    return Offer.objects.create(
        merchant=side.merchant,
        name=f"Offer {side.tag}",
        kind="percent",
        value=Decimal("10"),
        valid_from=now,
        valid_until=now + datetime.timedelta(days=1),
    )


def _offer_application(side):
    from loyalty.offers.models import OfferApplication

    return OfferApplication.objects.create(
        offer=_offer(side),
        customer=side.customer,
        merchant=side.merchant,
        transaction=_pos_transaction(side),
        currency="KGS",
        cost=Decimal("5"),
        issuer_amount=Decimal("5"),
    )


def _endpoint(side):
    from skypark.webhooks.tests.factories import EndpointFactory

    return EndpointFactory(merchant=side.merchant)


def _segment_campaign(side):
    from datetime import date

    from skypark.analytics.models import SegmentCampaign

    return SegmentCampaign.objects.create(
        name=f"Champions of {side.merchant.name}",
        merchant=side.merchant,
        segment="champions",
        snapshot_date=date(2026, 12, 1),
        subject="Thank you",
        message="A gift for you",
    )


def _delivery(side):
    from skypark.webhooks.tests.factories import DeliveryFactory

    return DeliveryFactory(endpoint=_endpoint(side))


def _connector(side):
    from loyalty.connectors.models import Connector

    return Connector.objects.create(
        merchant=side.merchant, name=f"Matrix CRM {uuid.uuid4().hex[:8]}", endpoint="https://crm.example/export.json"
    )


def _connector_run(side):
    from loyalty.connectors.models import ConnectorRun

    return ConnectorRun.objects.create(connector=_connector(side), merchant=side.merchant)


# model label -> function(side) making a row that belongs to ``side``'s merchant (or to
# a customer of that merchant only). Every merchant- or customer-scoped admin needs one.
def _customer_totals(side):
    from loyalty.models import CustomerTotals

    # A sale of the side (another row's maker) may have made it already.
    return CustomerTotals.objects.get_or_create(customer=side.customer, merchant=side.merchant, currency="KGS")[0]


OWNED_ROWS = {
    "accounts.Merchant": lambda side: side.merchant,
    "accounts.MerchantApiKey": lambda side: issue_key(side.merchant)[0],
    "accounts.MerchantMembership": lambda side: MembershipFactory(merchant=side.merchant),
    "accounts.User": lambda side: side.customer,
    "events.Event": _event,
    "events.Registration": _registration,
    "events.PointsEntry": _points_entry,
    "events.UserBadge": _user_badge,
    "events.MemberProfile": _member_profile,
    "loyalty.Account": _account,
    "loyalty.LedgerEntry": _ledger_entry,
    "loyalty.MerchantProgram": _program,
    "loyalty.PosTransaction": _pos_transaction,
    "loyalty.Coupon": _coupon,
    "loyalty.CouponRedemption": _coupon_redemption,
    "loyalty.CrossPromo": _cross_promo,
    "loyalty.ScanLog": _scan,
    "loyalty.ImportBatch": _import_batch,
    "loyalty.MerchantDailyStats": _daily_stats,
    "loyalty.Referral": _referral,
    "loyalty.TierChange": _tier_change,
    "analytics.SegmentCampaign": _segment_campaign,
    "loyalty.CustomerTotals": _customer_totals,
    "loyalty.Tier": _tier,
    "loyalty.Offer": _offer,
    "loyalty.OfferApplication": _offer_application,
    "webhooks.WebhookEndpoint": _endpoint,
    "webhooks.WebhookDelivery": _delivery,
    "connectors.Connector": _connector,
    "connectors.ConnectorRun": _connector_run,
}


def _customer_of(merchant):
    from loyalty.tests.factories import give_points

    customer = UserFactory()
    give_points(customer, 1, merchant=merchant)
    return customer


def _side(tag):
    merchant = MerchantFactory(name=f"Matrix shop {tag.upper()}")
    customer = _customer_of(merchant)
    User.objects.filter(pk=customer.pk).update(name=f"Matrix customer {tag.upper()}")
    customer.refresh_from_db()
    return Side(merchant=merchant, customer=customer, tag=tag)


def merchant_staff(merchant, role=MerchantMembership.Role.MANAGER):
    """A member of ``merchant``'s staff with every view permission there is, except
    the one that lifts the merchant boundary."""
    user = MembershipFactory(merchant=merchant, role=role).user
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_").exclude(codename="view_all_merchants")
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Merchants A and B, A's staff member, and one row of each model for each side;
    built once, rolled back after the module."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            a, b = _side("a"), _side("b")
            rows = {}
            for label, make in OWNED_ROWS.items():
                rows[label] = (make(a), make(b))
            staff = merchant_staff(a.merchant)
            yield {"a": a, "b": b, "rows": rows, "staff": staff}
            transaction.set_rollback(True)


def _url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _pointing_field(model):
    """A field of some model that points to ``model`` (what the autocomplete needs)."""
    for source in apps.get_models():
        for field in source._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is model:
                return source, field
    return None, None


def _autocomplete(client, model, term=""):
    source, field = _pointing_field(model)
    if source is None:
        return None
    opts = source._meta
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": opts.app_label, "model_name": opts.model_name, "field_name": field.name, "term": term},
    )


def _export(client, model):
    opts = model._meta
    try:
        url = reverse("admin:export", args=[opts.app_label, opts.model_name, "csv"])
    except NoReverseMatch:
        return None
    return client.get(url)


def _exported_ids(response):
    text = response.content.decode("utf-8-sig")
    return {row[0] for row in list(csv.reader(io.StringIO(text)))[1:] if row}


STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")


def _custom_urls(model, model_admin):
    """The admin's own pages beyond Django's standard five."""
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    standard = {prefix + view for view in STANDARD_VIEWS}
    return [u for u in model_admin.get_urls() if isinstance(u, URLPattern) and u.name and u.name not in standard]


def _named(response, names, where):
    """B's merchant or customer named anywhere on a page of A's (a filter's choices, an
    inline, a link)."""
    text = response.content.decode(errors="replace")
    return [f"{where} names {name!r}" for name in names if name in text]


def _state(obj):
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _names_a_merchant_or_customer(model, depth=3, path=""):
    """Paths from ``model`` along forward relations to a merchant or a user: a global
    model has none (its rows then belong to nobody in particular)."""
    found = []
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete and field.related_model is not None):
            continue
        name = f"{path}{field.name}"
        if field.related_model in (Merchant, User):
            found.append(name)
        elif depth > 1 and field.related_model is not model:
            found += _names_a_merchant_or_customer(field.related_model, depth - 1, f"{name}__")
    return found


def audit_admin(model, model_admin, world, client):
    """Everything merchant A's staff can see of merchant B through ``model_admin``;
    returns the problems found (empty when the admin keeps the boundary)."""
    problems = scope_problems(model_admin)
    if problems:
        return problems
    scope = model_admin.scope
    request = _request(world["staff"])
    label = model._meta.label
    if scope in (MERCHANT, CUSTOMER):
        if label not in OWNED_ROWS:
            return [f"{label}: no entry in OWNED_ROWS makes a row of merchant B to look for"]
        row_a, row_b = world["rows"][label]
        names_b = (world["b"].merchant.name, world["b"].customer.name)
        return _audit_owned(model, model_admin, row_a, row_b, names_b, scope, request, client)
    if scope == GLOBAL:
        return _audit_global(model, model_admin, request, client)
    return _audit_network(model, model_admin, request, client)


def _audit_owned(model, model_admin, row_a, row_b, names_b, scope, request, client):
    label, problems = model._meta.label, []
    before = _state(row_b)
    pk_a, pk_b = str(row_a.pk), str(row_b.pk)

    response = client.get(_url(model, "changelist"), follow=True)
    if response.status_code != 200:
        problems.append(f"{label}: changelist answered {response.status_code} to A's staff")
    else:
        shown = {str(obj.pk) for obj in response.context["cl"].result_list}
        if pk_b in shown:
            problems.append(f"{label}: B's row in the changelist")
        problems += _named(response, names_b, f"{label}: the changelist")
        if pk_a not in shown:
            problems.append(f"{label}: A's own row is missing from the changelist, so nothing was checked")

    response = client.get(_url(model, "change", row_b.pk))
    if response.status_code not in ALLOWED_REFUSALS:
        problems.append(f"{label}: B's change page answered {response.status_code}")
    response = client.get(_url(model, "change", row_a.pk))
    if response.status_code != 200:
        problems.append(f"{label}: A's own change page answered {response.status_code}")
    problems += _named(response, names_b, f"{label}: A's change page")

    for view in ("history", "delete"):
        response = client.get(_url(model, view, row_b.pk))
        if response.status_code not in ALLOWED_REFUSALS:
            problems.append(f"{label}: B's {view} page answered {response.status_code}")

    for pattern in _custom_urls(model, model_admin):
        params = list(pattern.pattern.converters)
        if len(params) == 1:
            response = client.get(reverse(f"admin:{pattern.name}", kwargs={params[0]: row_b.pk}))
            if response.status_code not in ALLOWED_REFUSALS:
                problems.append(f"{label}: {pattern.name} for B's row answered {response.status_code}")
        elif not params:
            response = client.get(reverse(f"admin:{pattern.name}"))
            if response.status_code >= 500:
                problems.append(f"{label}: {pattern.name} answered {response.status_code}")
            problems += _named(response, names_b, f"{label}: {pattern.name}")
        else:
            problems.append(f"{label}: {pattern.name} takes {params}; teach the matrix which row to name")

    for term in ("", str(getattr(row_b, "phone", "")) or None):
        if term is None:
            continue
        response = _autocomplete(client, model, term)
        if response is not None and response.status_code == 200:
            if pk_b in {item["id"] for item in response.json()["results"]}:
                problems.append(f"{label}: B's row in the autocomplete (term {term!r})")
            problems += _named(response, names_b, f"{label}: the autocomplete")
        elif response is not None and response.status_code not in ALLOWED_REFUSALS:
            problems.append(f"{label}: autocomplete answered {response.status_code}")

    response = _export(client, model)
    if response is not None and response.status_code == 200:
        exported = _exported_ids(response)
        if pk_b in exported:
            problems.append(f"{label}: B's row in the export")
        if pk_a not in exported:
            problems.append(f"{label}: A's own row is missing from the export, so nothing was checked")
    elif response is not None and response.status_code not in ALLOWED_REFUSALS:
        problems.append(f"{label}: export answered {response.status_code}")

    for name in model_admin.get_actions(request):
        client.post(_url(model, "changelist"), {"action": name, "_selected_action": [row_b.pk], "index": 0})
    if scope == CUSTOMER and model_admin.get_actions(request):
        problems.append(f"{label}: actions offered to merchant staff on customers")
    if _state(row_b) != before:
        problems.append(f"{label}: B's row changed after A's staff used the admin")
    return problems


def _audit_global(model, model_admin, request, client):
    label, problems = model._meta.label, []
    named = _names_a_merchant_or_customer(model)
    if named:
        problems.append(f"{label}: declared global but its rows name a merchant or customer ({', '.join(named)})")
    for permission in ("has_add_permission", "has_change_permission", "has_delete_permission"):
        if getattr(model_admin, permission)(request):
            problems.append(f"{label}: global, yet {permission} is true for merchant staff")
    if model_admin.get_actions(request):
        problems.append(f"{label}: global, yet actions are offered to merchant staff")
    response = client.get(_url(model, "add"))
    if response.status_code not in ALLOWED_REFUSALS:
        problems.append(f"{label}: add page answered {response.status_code}")
    return problems


def _audit_network(model, model_admin, request, client):
    label, problems = model._meta.label, []
    if model_admin.has_module_permission(request) or model_admin.has_view_permission(request):
        problems.append(f"{label}: network only, yet merchant staff have the module or view permission")
    if model_admin.get_queryset(request).exists():
        problems.append(f"{label}: network only, yet get_queryset gives merchant staff rows")
    any_row = model._default_manager.order_by("pk").first()
    pk = any_row.pk if any_row is not None else 1
    pages = {"changelist": _url(model, "changelist"), "change": _url(model, "change", pk)}
    try:
        pages["add"] = _url(model, "add")
        pages["history"] = _url(model, "history", pk)
    except NoReverseMatch:
        pass
    for pattern in _custom_urls(model, model_admin):
        kwargs = {param: pk for param in pattern.pattern.converters}
        pages[pattern.name] = reverse(f"admin:{pattern.name}", kwargs=kwargs)
    for view, url in pages.items():
        response = client.get(url)
        if response.status_code not in ALLOWED_REFUSALS or (
            view not in ("change", "history") and response.status_code != 403
        ):
            problems.append(f"{label}: {view} answered {response.status_code} to merchant staff")
    for response in (_autocomplete(client, model), _export(client, model)):
        if response is not None and response.status_code not in ALLOWED_REFUSALS:
            problems.append(f"{label}: {response.request['PATH_INFO']} answered {response.status_code}")
    return problems


def _registry():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def staff_client(world):
    client = Client()
    client.force_login(world["staff"])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", [model for model, _admin in _registry()], ids=lambda m: m._meta.label)
def test_merchant_staff_see_nothing_of_another_merchant(model, world, staff_client):
    model_admin = admin.site._registry[model]
    assert audit_admin(model, model_admin, world, staff_client) == []


@pytest.mark.django_db
def test_every_owned_row_factory_belongs_to_a_scoped_admin(world):
    scoped = {
        model._meta.label
        for model, model_admin in _registry()
        if getattr(model_admin, "scope", None) in (MERCHANT, CUSTOMER)
    }
    assert set(OWNED_ROWS) == scoped


# --- the matrix can fail --------------------------------------------------------------


class _UndeclaredAdmin(admin.ModelAdmin):
    pass


@pytest.mark.django_db
def test_an_admin_without_a_declared_scope_fails(world, staff_client):
    from loyalty.models import Coupon

    problems = audit_admin(Coupon, _UndeclaredAdmin(Coupon, admin.site), world, staff_client)
    assert problems and "ScopedAdminMixin" in problems[0]


@pytest.mark.django_db
def test_a_scoped_model_without_a_factory_fails(world, staff_client, monkeypatch):
    from loyalty.models import Coupon

    monkeypatch.delitem(OWNED_ROWS, "loyalty.Coupon")
    problems = audit_admin(Coupon, admin.site._registry[Coupon], world, staff_client)
    assert problems == ["loyalty.Coupon: no entry in OWNED_ROWS makes a row of merchant B to look for"]


@pytest.mark.django_db
def test_an_admin_that_forgets_the_boundary_fails_everywhere(world, staff_client, monkeypatch):
    from loyalty.models import Coupon

    coupon_admin = admin.site._registry[Coupon]
    monkeypatch.setattr(coupon_admin, "get_queryset", lambda request: Coupon.objects.all())
    problems = "\n".join(audit_admin(Coupon, coupon_admin, world, staff_client))
    for where in ("changelist", "change page", "history page", "autocomplete", "export"):
        assert f"B's row in the {where}" in problems or f"B's {where} answered 200" in problems, where


@pytest.mark.django_db
def test_a_network_admin_open_to_merchant_staff_fails(world, staff_client, monkeypatch):
    from skypark.audit.models import AuditEntry

    audit_admin_ = admin.site._registry[AuditEntry]
    monkeypatch.setattr(audit_admin_, "has_view_permission", lambda request, obj=None: True)
    monkeypatch.setattr(audit_admin_, "has_module_permission", lambda request: True)
    assert audit_admin(AuditEntry, audit_admin_, world, staff_client)


@pytest.mark.django_db
def test_a_model_of_merchant_rows_declared_global_fails(world, staff_client, monkeypatch):
    from loyalty.models import TierChange

    tier_changes = admin.site._registry[TierChange]
    monkeypatch.setattr(tier_changes, "scope", GLOBAL)
    problems = audit_admin(TierChange, tier_changes, world, staff_client)
    assert "loyalty.TierChange: declared global but its rows name a merchant or customer" in problems[0]
    assert "account__merchant" in problems[0]


# --- what merchant staff may create -----------------------------------------------------


def _owning_fields():
    """Every merchant-scoped admin whose rows are owned through a field of their own
    pointing at a merchant (``merchant_lookup`` is that field), e.g. an event's organiser."""
    found = []
    for model, model_admin in _registry():
        lookup = getattr(model_admin, "merchant_lookup", None)
        if getattr(model_admin, "scope", None) != MERCHANT or not isinstance(lookup, str) or "__" in lookup:
            continue
        try:
            field = model._meta.get_field(lookup)
        except FieldDoesNotExist:
            continue
        if field.is_relation and field.related_model is Merchant and field.editable:
            found.append((model, model_admin, field))
    return found


def test_the_owning_fields_include_the_event_organiser():
    assert "events.Event" in {model._meta.label for model, _admin, _field in _owning_fields()}


@pytest.mark.django_db
@pytest.mark.parametrize("model", [model for model, _admin, _field in _owning_fields()], ids=lambda m: m._meta.label)
def test_merchant_staff_create_rows_of_their_own_merchant_only(model, world, rf):
    """The field that owns the row offers only the staff member's merchants, is required
    (a row left without one would vanish from their view) and defaults to their merchant."""
    model_admin = admin.site._registry[model]
    field_name = model_admin.merchant_lookup
    request = rf.get("/")
    request.user = world["staff"]
    formfield = model_admin.formfield_for_dbfield(model._meta.get_field(field_name), request)
    assert set(formfield.queryset.values_list("pk", flat=True)) == {world["a"].merchant.pk}
    assert formfield.required
    assert formfield.initial == world["a"].merchant.pk
