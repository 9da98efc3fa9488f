import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from loyalty import services as loyalty_services
from loyalty.models import Account, Coupon, PosTransaction
from loyalty.offers import rules, services
from loyalty.offers.errors import OfferInvalid, OfferNeedsAcceptance, OfferNotEditable, OfferNotYours
from loyalty.offers.models import Offer, OfferApplication
from loyalty.offers.projection import offer_projection
from loyalty.offers.selectors import offers_for_customer
from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key
from skypark.core import segments

NOW = timezone.now()


def _offer(merchant, approve=True, **fields):
    values = dict(
        name="Ten off",
        kind="percent",
        value=Decimal("10"),
        valid_from=NOW - datetime.timedelta(days=1),
        valid_until=NOW + datetime.timedelta(days=30),
    )
    values.update(fields)
    tiers = values.pop("tiers", ())
    offer = services.offer_create(merchant=merchant, tiers=tiers, **values)
    if approve:
        services.offer_submit(offer=offer)
        if offer.partner_share:
            services.offer_accept(offer=offer, partner=offer.partner)
        services.offer_approve(offer=offer, actor=None)
    return Offer.objects.get(pk=offer.pk)


def _sale(merchant, customer, external_id, amount="1000", **kwargs):
    tx, _created = loyalty_services.pos_transaction_record(
        merchant=merchant, customer=customer, external_id=external_id, amount=Decimal(amount), **kwargs
    )
    return tx


# --- composing and the lifecycle --------------------------------------------------------


@pytest.mark.django_db
def test_shares_must_add_up_to_100_and_nothing_is_written(merchant):
    with pytest.raises(OfferInvalid) as exc:
        _offer(merchant, approve=False, issuer_share=Decimal("80"))
    assert "issuer_share" in exc.value.details["fields"]
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_cross_coupon_needs_a_partner_and_a_multiplier_above_one(merchant):
    with pytest.raises(OfferInvalid):
        _offer(merchant, approve=False, kind="cross_coupon", value=Decimal("100"))
    with pytest.raises(OfferInvalid):
        _offer(merchant, approve=False, kind="multiplier", value=Decimal("1"))


@pytest.mark.django_db
def test_a_validity_outside_the_plausible_years_is_refused(merchant):
    far = datetime.datetime(500, 1, 19, 4, 5, tzinfo=datetime.UTC)
    with pytest.raises(OfferInvalid) as exc:
        _offer(merchant, approve=False, valid_from=far)
    assert "valid_from" in exc.value.details["fields"]
    with pytest.raises(OfferInvalid) as exc:
        _offer(merchant, approve=False, valid_until=datetime.datetime(5960, 12, 27, tzinfo=datetime.UTC))
    assert "valid_until" in exc.value.details["fields"]
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_an_offer_funded_by_another_partner_needs_its_acceptance(merchant, other_merchant):
    offer = _offer(
        merchant,
        approve=False,
        partner=other_merchant,
        issuer_share=Decimal("50"),
        partner_share=Decimal("40"),
        operator_share=Decimal("10"),
    )
    services.offer_submit(offer=offer)
    with pytest.raises(OfferNeedsAcceptance):
        services.offer_approve(offer=offer, actor=None)
    with pytest.raises(OfferNotYours):
        services.offer_accept(offer=offer, partner=merchant)
    services.offer_accept(offer=offer, partner=other_merchant)
    assert services.offer_approve(offer=offer, actor=None).status == Offer.Status.APPROVED


@pytest.mark.django_db
def test_only_a_submitted_offer_is_approved(merchant):
    offer = _offer(merchant, approve=False)
    with pytest.raises(OfferNotEditable):
        services.offer_approve(offer=offer, actor=None)


# --- the rules --------------------------------------------------------------------------


def _rule_sale(**kwargs):
    values = dict(
        customer_id=1, merchant_id=7, currency="KGS", amount=Decimal("1000"), at=NOW, point_value=Decimal("1")
    )
    values.update(kwargs)
    return rules.Sale(**values)


def _shape(**fields):
    values = dict(
        pk=1,
        merchant_id=7,
        kind="percent",
        value=Decimal("10"),
        currency="KGS",
        status="approved",
        valid_from=NOW - datetime.timedelta(days=1),
        valid_until=NOW + datetime.timedelta(days=1),
    )
    values.update(fields)
    return Offer(**values)


@pytest.mark.parametrize(
    "fields, sale, reason",
    [
        ({"min_spend": Decimal("2000")}, {}, "min_spend"),
        ({"status": "submitted"}, {}, "not_live"),
        ({"merchant_id": 8}, {}, "other_channel"),
        ({"valid_from": NOW + datetime.timedelta(hours=1)}, {}, "outside_validity"),
        ({"skus": ["LUNCH"]}, {"lines": [{"sku": "TEA", "total": "100"}]}, "no_matching_items"),
        ({"first_visit": True}, {"first_visit": False}, "not_first_visit"),
        ({"per_customer_limit": 1}, {}, "customer_limit"),
        ({"budget_redemptions": 3, "redemptions": 3}, {}, "budget"),
        ({"segment": "champions"}, {}, "segment"),
        ({"currency": "GBP"}, {}, "currency"),
    ],
)
def test_each_condition_refuses(fields, sale, reason):
    offer = _shape(**fields)
    used = 1 if reason == "customer_limit" else 0
    assert rules.refusal(offer, _rule_sale(**sale), used_by_customer=used, tier_ids=set()) == reason


def test_days_hours_and_tiers():
    local = timezone.localtime(NOW)
    other_day = (local.weekday() + 1) % 7
    assert rules.refusal(_shape(weekdays=[other_day]), _rule_sale(), tier_ids=set()) == "day"
    assert rules.refusal(
        _shape(hour_from=local.hour + 1 if local.hour < 23 else 0, hour_to=None), _rule_sale(), tier_ids=set()
    ) in ("hour", "")
    assert rules.refusal(_shape(), _rule_sale(tier_id=5), tier_ids={6}) == "tier"
    assert rules.refusal(_shape(), _rule_sale(tier_id=6), tier_ids={6}) == ""


def test_the_segment_condition_asks_the_segment():
    offer = _shape(segment="at_risk")
    assert rules.refusal(offer, _rule_sale(), segment_of=lambda o: "at_risk", tier_ids=set()) == ""
    assert rules.refusal(offer, _rule_sale(), segment_of=lambda o: "loyal", tier_ids=set()) == "segment"


def test_effects_and_their_cost():
    sale = _rule_sale(base_points=100, lines=[{"sku": "A", "total": "400"}, {"sku": "B", "total": "600"}])
    assert rules.effect(_shape(), sale, due=Decimal("1000")).discount == Decimal("100.00")
    assert rules.effect(_shape(skus=["A"]), sale, due=Decimal("1000")).discount == Decimal("40.00")
    assert rules.effect(_shape(kind="fixed", value=Decimal("1500")), sale, due=Decimal("1000")).discount == Decimal(
        "1000"
    )
    bonus = rules.effect(_shape(kind="bonus_points", value=Decimal("50")), sale, due=Decimal("1000"))
    assert (bonus.points, bonus.cost) == (50, Decimal("50.00"))
    double = rules.effect(_shape(kind="multiplier", value=Decimal("2")), sale, due=Decimal("1000"))
    assert double.points == 100


def test_the_funding_split_sums_to_the_cost_exactly():
    offer = _shape(issuer_share=Decimal("33.33"), partner_share=Decimal("33.33"), operator_share=Decimal("33.34"))
    for cost in (Decimal("0.01"), Decimal("10.00"), Decimal("99.99"), Decimal("1234.57")):
        issuer, partner, operator = rules.funding_split(offer, cost)
        assert issuer + partner + operator == cost and min(issuer, partner, operator) >= 0


def test_stacking_and_priority():
    sale = _rule_sale()
    high = _shape(pk=1, priority=10, stackable=False)
    low = _shape(pk=2, priority=1, stackable=True, kind="fixed", value=Decimal("50"))
    assert [e.offer.pk for e in rules.choose([low, high], sale, due=sale.amount)] == [1]
    high.stackable = True
    chosen = rules.choose([low, high], sale, due=sale.amount)
    assert [e.offer.pk for e in chosen] == [1, 2]
    assert chosen[1].discount == Decimal("50")  # on what was left after the first


# --- at the till ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sale_gets_the_offer_with_its_funding_split_recorded(merchant, other_merchant, shopper):
    offer = _offer(
        merchant,
        partner=other_merchant,
        issuer_share=Decimal("60"),
        partner_share=Decimal("30"),
        operator_share=Decimal("10"),
    )
    tx = _sale(merchant, shopper, "o-1")
    assert tx.discount == Decimal("100.00")
    application = OfferApplication.objects.get(transaction=tx)
    assert (application.cost, application.issuer_amount, application.partner_amount, application.operator_amount) == (
        Decimal("100.00"),
        Decimal("60.00"),
        Decimal("30.00"),
        Decimal("10.00"),
    )
    offer.refresh_from_db()
    assert (offer.spent_amount, offer.redemptions) == (Decimal("100.00"), 1)
    # Points are earned on what was paid.
    assert PosTransaction.objects.get(pk=tx.pk).points_earned == 90


@pytest.mark.django_db
def test_bonus_points_and_a_void_give_the_budget_and_the_points_back(merchant, shopper):
    offer = _offer(merchant, kind="bonus_points", value=Decimal("40"), budget_amount=Decimal("1000"))
    tx = _sale(merchant, shopper, "o-2")
    account = Account.objects.get(customer=shopper, merchant__isnull=True)
    assert account.entries.filter(kind="bonus", source="offer", points=40).exists()
    loyalty_services.pos_transaction_void(pos_transaction=tx)
    offer.refresh_from_db()
    assert (offer.spent_amount, offer.redemptions) == (Decimal("0.00"), 0)
    assert OfferApplication.objects.get(transaction=tx).status == "reversed"
    account.refresh_from_db()
    assert account.balance == 0


@pytest.mark.django_db
def test_the_per_customer_limit_and_the_redemption_cap(merchant, shopper):
    _offer(merchant, per_customer_limit=1, budget_redemptions=2)
    assert _sale(merchant, shopper, "o-3").discount == Decimal("100.00")
    assert _sale(merchant, shopper, "o-4").discount == Decimal("0.00")
    assert _sale(merchant, UserFactory(), "o-5").discount == Decimal("100.00")
    assert _sale(merchant, UserFactory(), "o-6").discount == Decimal("0.00")


@pytest.mark.django_db
def test_first_visit_only(merchant, shopper):
    _offer(merchant, first_visit=True)
    assert _sale(merchant, shopper, "o-7").discount == Decimal("100.00")
    assert _sale(merchant, shopper, "o-8").discount == Decimal("0.00")


@pytest.mark.django_db
def test_a_cross_coupon_is_issued_for_the_partner(merchant, other_merchant, shopper):
    _offer(merchant, kind="cross_coupon", value=Decimal("150"), coupon_kind="fixed", partner=other_merchant)
    tx = _sale(merchant, shopper, "o-9")
    application = OfferApplication.objects.get(transaction=tx)
    coupon = Coupon.objects.get(pk=application.coupon_id)
    assert (coupon.merchant_id, coupon.customer_id, coupon.value) == (other_merchant.pk, shopper.pk, Decimal("150"))
    assert application.cost == Decimal("150.00")


@pytest.mark.django_db
def test_segment_targeting_goes_through_the_core_port(merchant, shopper, monkeypatch):
    class Segments(segments.NullSegmentProvider):
        def segment_of(self, *, customer_id, merchant_id=None):
            return "at_risk" if customer_id == shopper.pk else "champions"

        def choices(self):
            return [("at_risk", "at risk"), ("champions", "champions")]

    monkeypatch.setattr(segments, "_provider", Segments())
    _offer(merchant, segment="at_risk")
    assert _sale(merchant, shopper, "o-10").discount == Decimal("100.00")
    assert _sale(merchant, UserFactory(), "o-11").discount == Decimal("0.00")


@pytest.mark.django_db
def test_an_unknown_segment_is_refused(merchant):
    with pytest.raises(OfferInvalid):
        _offer(merchant, approve=False, segment="nobody")


@pytest.mark.django_db
def test_the_analytics_app_provides_the_segments():
    from skypark.analytics.targeting import AnalyticsSegments

    assert isinstance(segments.get_provider(), AnalyticsSegments)
    assert ("at_risk", "at risk") in segments.segment_choices()


@pytest.mark.django_db
def test_a_test_sale_gets_the_answer_and_spends_nothing(merchant, shopper):
    offer = _offer(merchant)
    tx = _sale(merchant, shopper, "o-12", test=True)
    assert tx.discount == Decimal("100.00")
    offer.refresh_from_db()
    assert offer.redemptions == 0 and not OfferApplication.objects.exists()


@pytest.mark.django_db
def test_the_projection_replays_the_last_90_days_within_the_budget(merchant, shopper):
    for n in range(3):
        _sale(merchant, shopper, f"p-{n}")
    offer = _offer(
        merchant, approve=False, budget_amount=Decimal("250"), issuer_share=Decimal("80"), operator_share=Decimal("20")
    )
    projection = offer_projection(offer=offer)
    assert projection["matching"] == 3 and projection["applications"] == 2 and projection["capped"]
    assert (projection["cost"], projection["issuer"], projection["operator"]) == (
        Decimal("200.00"),
        Decimal("160.00"),
        Decimal("40.00"),
    )


@pytest.mark.django_db
def test_for_you_lists_live_offers_for_the_customer_tier(merchant, shopper):
    from loyalty.models import Tier

    vip = Tier.objects.get(code="vip", merchant__isnull=True)
    _offer(merchant, name="Everyone")
    _offer(merchant, name="VIP only", tiers=[vip])
    _offer(merchant, name="Draft", approve=False)
    assert [o.name for o in offers_for_customer(customer=shopper)] == ["Everyone"]


@pytest.mark.django_db
def test_the_card_page_shows_for_you_in_each_language(client, merchant, customer):
    _offer(merchant, name="Lunch deal")
    client.force_login(customer)
    for language, heading in (("en", "For you"), ("ru", "Для вас"), ("ky", "Сиз үчүн")):
        customer.language = language
        customer.save(update_fields=["language"])
        with translation.override(language):
            page = client.get(reverse("loyalty:card"))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Lunch deal" in text and heading in text, language


# --- the platform's checkout ------------------------------------------------------------


@pytest.mark.django_db
def test_the_platform_checkout_applies_online_offers_and_a_cancel_gives_the_budget_back(merchant, shopper, on_commit):
    from skypark.commerce.services import order_cancel, order_create

    offer = _offer(merchant, at_till=False, online=True, kind="fixed", value=Decimal("100"), categories=["ticket"])
    order = order_create(
        customer=shopper,
        lines=[
            {"kind": "ticket", "description": "Ticket", "unit_price": Decimal("790")},
            {"kind": "sock", "description": "Socks", "unit_price": Decimal("50")},
        ],
    )
    assert (order.discount_total, order.total) == (Decimal("100.00"), Decimal("740.00"))
    application = OfferApplication.objects.get(order=order)
    assert application.merchant_id is None and application.issuer_amount == Decimal("100.00")
    on_commit(order_cancel, order=order)
    offer.refresh_from_db()
    assert offer.redemptions == 0
    assert OfferApplication.objects.get(order=order).status == "reversed"


# --- concurrency ------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_budget_cap_of_n_holds_under_4n_concurrent_tills():
    from django.db import close_old_connections

    merchant = MerchantFactory()
    cap = 5
    offer = _offer(merchant, kind="fixed", value=Decimal("100"), budget_redemptions=cap, budget_amount=Decimal("500"))
    customers = [UserFactory() for _ in range(4 * cap)]
    barrier = threading.Barrier(len(customers))
    errors = []

    def till(n, customer):
        try:
            barrier.wait()
            _sale(merchant, customer, f"c-{n}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=till, args=(n, c)) for n, c in enumerate(customers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    offer.refresh_from_db()
    applied = OfferApplication.objects.filter(offer=offer, status="applied")
    assert applied.count() == cap == offer.redemptions
    assert offer.spent_amount == Decimal("500.00")
    assert PosTransaction.objects.filter(merchant=merchant).count() == 4 * cap
    assert PosTransaction.objects.filter(merchant=merchant, discount=Decimal("100.00")).count() == cap
    # A reversal gives one back: the next sale gets it.
    loyalty_services.pos_transaction_void(pos_transaction=applied.first().transaction)
    assert _sale(merchant, UserFactory(), "c-after").discount == Decimal("100.00")


# --- the partner API --------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_api_compose_project_submit_accept_and_quote(client, merchant, other_merchant, shopper):
    from loyalty.tests.factories import card_code

    key = issue_key(merchant)[1]
    other_key = issue_key(other_merchant)[1]
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    body = {
        "name": "Shared lunch",
        "kind": "percent",
        "value": "10",
        "partner": other_merchant.code,
        "issuer_share": "50",
        "partner_share": "50",
        "operator_share": "0",
        "valid_from": (NOW - datetime.timedelta(days=1)).isoformat(),
        "valid_until": (NOW + datetime.timedelta(days=10)).isoformat(),
    }
    created = client.post(reverse("api:partner-offers"), body, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = client.post(
        reverse("api:partner-offers"), {**body, "partner_share": "10"}, content_type="application/json", **auth
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "offer_invalid"
    projection = client.get(reverse("api:partner-offer-projection", args=[pk]), **auth)
    assert projection.status_code == 200 and projection.json()["days"] == 90
    assert client.post(reverse("api:partner-offer-submit", args=[pk]), **auth).status_code == 200
    again = client.post(reverse("api:partner-offer-submit", args=[pk]), **auth)
    assert again.status_code == 409 and again.json()["error"]["code"] == "offer_wrong_status"
    # The issuer cannot accept for its partner; the partner can.
    assert client.post(reverse("api:partner-offer-accept", args=[pk]), **auth).status_code == 404
    other = {"HTTP_AUTHORIZATION": f"Api-Key {other_key}"}
    assert client.post(reverse("api:partner-offer-accept", args=[pk]), **other).status_code == 200
    assert pk in [o["id"] for o in client.get(reverse("api:partner-offers"), **other).json()]
    services.offer_approve(offer=Offer.objects.get(pk=pk), actor=None)
    quote = client.post(
        reverse("api:partner-offer-quote"),
        {"customer_code": card_code(shopper), "amount": "500.00"},
        content_type="application/json",
        **auth,
    )
    assert quote.status_code == 200, quote.content
    assert quote.json()["discount"] == "50.00" and quote.json()["offers"][0]["offer_id"] == pk
    assert not OfferApplication.objects.exists()


@pytest.mark.django_db
def test_another_partners_offer_is_a_404(client, merchant, other_merchant):
    offer = _offer(merchant, approve=False)
    key = issue_key(other_merchant)[1]
    answer = client.post(reverse("api:partner-offer-submit", args=[offer.pk]), HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert answer.status_code == 404


# --- the admin --------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_approve_in_the_admin_and_merchant_staff_cannot(admin_client_logged, client, merchant, shopper):
    from django.contrib.auth.models import Permission

    from skypark.accounts.tests.factories import MembershipFactory

    offer = _offer(merchant, approve=False)
    services.offer_submit(offer=offer)
    changelist = reverse("admin:loyalty_offer_changelist")
    assert admin_client_logged.get(changelist, {"q": offer.name, "status__exact": "submitted"}).status_code == 200
    answer = admin_client_logged.post(changelist, {"action": "offers_approve", "_selected_action": [offer.pk]})
    assert answer.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.APPROVED
    _sale(merchant, shopper, "adm-1")
    assert admin_client_logged.get(reverse("admin:loyalty_offerapplication_changelist")).status_code == 200
    export = admin_client_logged.post(
        reverse("admin:loyalty_offerapplication_changelist"),
        {
            "action": "applications_export_csv",
            "_selected_action": list(OfferApplication.objects.values_list("pk", flat=True)),
        },
    )
    assert b"issuer_amount" in export.content and b"100.00" in export.content

    membership = MembershipFactory(merchant=merchant)
    membership.user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="loyalty", codename__in=["view_offer", "change_offer"])
    )
    client.force_login(membership.user)
    page = client.get(changelist)
    assert page.status_code == 200 and "offers_approve" not in page.content.decode()


@pytest.mark.django_db
def test_a_partial_refund_keeps_the_offer_and_a_full_one_reverses_it(merchant, shopper):
    offer = _offer(merchant)
    tx = _sale(merchant, shopper, "r-1")
    loyalty_services.pos_transaction_refund(pos_transaction=tx, amount=Decimal("100"))
    offer.refresh_from_db()
    assert offer.redemptions == 1
    loyalty_services.pos_transaction_refund(pos_transaction=tx)
    offer.refresh_from_db()
    assert (offer.redemptions, offer.spent_amount) == (0, Decimal("0.00"))
    assert OfferApplication.objects.get(transaction=tx).status == "reversed"


@pytest.mark.django_db
@pytest.mark.parametrize("change", [{"redemptions": 1}, {"status": "paused"}])
def test_an_offer_used_up_or_stopped_after_it_was_cached_is_not_applied(merchant, shopper, change):
    offer = _offer(merchant, budget_redemptions=1)
    assert services.live_offers(channel="till", merchant_id=merchant.pk)
    # Behind the cache's back (a queryset update sends no signal), as another process would.
    Offer.objects.filter(pk=offer.pk).update(**change)
    tx = _sale(merchant, shopper, "late")
    assert (tx.discount, tx.points_earned) == (Decimal("0.00"), 100)
    assert not OfferApplication.objects.exists()
    assert PosTransaction.objects.filter(external_id="late").count() == 1
    offer.refresh_from_db()
    assert (offer.redemptions, offer.spent_amount) == (change.get("redemptions", 0), Decimal("0.00"))
    assert loyalty_services.ledger_mismatches() == []


@pytest.mark.django_db
def test_a_retried_sale_applies_its_offer_once(merchant, shopper):
    offer = _offer(merchant)
    _sale(merchant, shopper, "retry-1")
    _sale(merchant, shopper, "retry-1")
    offer.refresh_from_db()
    assert offer.redemptions == 1 and OfferApplication.objects.count() == 1


@pytest.mark.django_db
def test_an_offers_discount_is_cleared_by_its_funding_shares_and_reversed_with_the_sale(
    merchant, other_merchant, shopper
):
    from loyalty.clearing.models import JournalEntry
    from loyalty.clearing.tests.conftest import coalition_make

    coalition_make()
    _offer(
        merchant,
        partner=other_merchant,
        issuer_share=Decimal("60"),
        partner_share=Decimal("30"),
        operator_share=Decimal("10"),
    )
    tx = _sale(merchant, shopper, "o-clear")
    application = OfferApplication.objects.get(transaction=tx)
    entry = JournalEntry.objects.get(kind="offer", reference=f"offer:{application.pk}")
    legs = {(p.merchant_id, p.amount) for p in entry.postings.all()}
    assert (merchant.pk, Decimal("100.00")) in legs  # the partner where the sale happened gave it
    assert (other_merchant.pk, Decimal("-30.00")) in legs and (None, Decimal("-10.00")) in legs
    assert sum(p.amount for p in entry.postings.all()) == 0
    loyalty_services.pos_transaction_void(pos_transaction=tx)
    reversal = JournalEntry.objects.get(kind="reverse", reference=f"offer:{application.pk}:reversal")
    assert sorted(p.amount for p in reversal.postings.all()) == sorted(-p.amount for p in entry.postings.all())
