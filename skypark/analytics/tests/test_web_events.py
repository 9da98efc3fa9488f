"""Page views and purchase steps recorded by the server: what is kept (a truncated address,
a daily visitor key, the device kind), what is never recorded (the admin, the API, staff,
crawlers, visitors who ask not to be tracked), the funnel from them, and the export and
erasure of a customer's events."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from skypark.accounts.tests.factories import ChildFactory, MembershipFactory, MerchantFactory, StaffFactory, UserFactory
from skypark.analytics import selectors, sync
from skypark.analytics.models import SegmentCampaign, SyncState, WebEvent
from skypark.analytics.rfm import rfm_snapshot_create
from skypark.analytics.web import browser_family, device_type, ip_prefix, visitor_key, web_events_purge
from skypark.commerce.services import payment_complete, payment_start
from skypark.parks.models import Ticket
from skypark.parks.tests.factories import ParkFactory, tomorrow
from skypark.privacy.registry import sections

from .helpers import customer as buyer
from .helpers import sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def park(db):
    return ParkFactory()


@pytest.fixture
def child(customer):
    return ChildFactory(parent=customer)


PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0 Safari/537.36"


def test_addresses_are_truncated_and_browsers_reduced_to_their_family():
    assert ip_prefix("203.0.113.77") == "203.0.113.0"
    assert ip_prefix("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::"
    assert ip_prefix("not an address") == "" and ip_prefix("") == ""
    assert device_type(PHONE) == "mobile" and device_type(DESKTOP) == "desktop" and device_type("") == ""
    assert browser_family(PHONE) == "safari" and browser_family(DESKTOP) == "chrome"
    today = timezone.localdate()
    key = visitor_key(day=today, prefix="203.0.113.0", user_agent=PHONE)
    assert len(key) == 16 and key == visitor_key(day=today, prefix="203.0.113.0", user_agent=PHONE)
    assert key != visitor_key(day=today + timedelta(days=1), prefix="203.0.113.0", user_agent=PHONE)


def test_a_customer_page_view_is_recorded_without_the_full_address_or_browser(client, park):
    url = reverse("parks:park-detail", args=[park.slug])
    response = client.get(
        url, HTTP_USER_AGENT=PHONE, REMOTE_ADDR="198.51.100.23", HTTP_REFERER="https://search.example/q?x=1"
    )
    assert response.status_code == 200
    event = WebEvent.objects.get()
    assert (event.kind, event.route, event.product) == ("page_view", "parks:park-detail", "park")
    assert event.path == url and event.user is None
    assert event.ip_prefix == "198.51.100.0" and event.device_type == "mobile" and event.browser == "safari"
    assert event.referrer == "search.example"  # another site: its name only, never the query
    stored = " ".join(str(v) for v in WebEvent.objects.values_list().get())
    assert "198.51.100.23" not in stored and "iPhone" not in stored and "q?x=1" not in stored


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}, {"HTTP_USER_AGENT": "Googlebot/2.1 (+http://www.google.com/bot.html)"}],
)
def test_visitors_who_ask_not_to_be_tracked_and_crawlers_are_not_recorded(client, park, headers):
    assert client.get(reverse("parks:park-detail", args=[park.slug]), **headers).status_code == 200
    assert not WebEvent.objects.exists()


def test_staff_the_admin_the_api_and_missing_pages_are_not_recorded(client, park):
    assert client.get("/en/parks/no-such-park/").status_code == 404
    assert client.get("/api/v1/parks/").status_code in (200, 401, 403)
    client.force_login(StaffFactory())
    assert client.get(reverse("parks:park-detail", args=[park.slug]), follow=True).status_code == 200
    assert client.get("/admin/").status_code == 200
    assert not WebEvent.objects.exists()


def test_the_purchase_steps_are_recorded_with_the_order(client, park, child):
    url = reverse("parks:park-detail", args=[park.slug])
    day = tomorrow().isoformat()
    client.force_login(child.parent)
    client.post(url, {"visit_date": day, "slot": "", "children": [str(child.pk)], "quote": "1"})
    response = client.post(url, {"visit_date": day, "slot": "", "children": [str(child.pk)], "buy": "1"})
    assert response.status_code == 302
    order = Ticket.objects.get().order
    steps = list(WebEvent.objects.order_by("id").values_list("kind", "product", "object_id", "user_id"))
    assert steps == [
        ("purchase_quoted", "park", "", child.parent.pk),
        ("purchase_placed", "park", f"order:{order.pk}", child.parent.pk),
    ]


def test_a_refused_placement_records_no_placed_step(client, park, child):
    client.force_login(child.parent)
    url = reverse("parks:park-detail", args=[park.slug])
    client.post(url, {"visit_date": "2000-01-01", "slot": "", "children": [str(child.pk)], "buy": "1"})
    assert not WebEvent.objects.filter(kind="purchase_placed").exists()


def test_the_funnel_counts_visitors_per_step_up_to_the_paid_order(
    client, store, park, child, django_capture_on_commit_callbacks
):
    url = reverse("parks:park-detail", args=[park.slug])
    day = tomorrow().isoformat()
    for address in ("10.0.1.1", "10.0.2.1", "10.0.3.1"):  # three visitors look
        client.get(url, REMOTE_ADDR=address, HTTP_USER_AGENT=DESKTOP)
    client.force_login(child.parent)
    form = {"visit_date": day, "slot": "", "children": [str(child.pk)]}
    client.post(url, {**form, "quote": "1"}, REMOTE_ADDR="10.0.1.1", HTTP_USER_AGENT=DESKTOP)
    client.post(url, {**form, "buy": "1"}, REMOTE_ADDR="10.0.1.1", HTTP_USER_AGENT=DESKTOP)
    sync.facts_sync()
    today = timezone.localdate()
    [row] = selectors.purchase_funnel(since=today, until=today)
    assert (row["product"], row["viewed"], row["quoted"], row["placed"], row["paid"]) == ("park", 3, 1, 1, 0)
    order = Ticket.objects.get().order
    with django_capture_on_commit_callbacks(execute=True):
        payment, _action = payment_start(order=order, provider="sandbox", method="visa")
        payment_complete(payment=payment, external_id=payment.external_id)
    sync.facts_sync()
    sync.facts_sync()  # a second run writes the same versions again: nothing counts twice
    [row] = selectors.purchase_funnel(since=today, until=today)
    assert (row["viewed"], row["quoted"], row["placed"], row["paid"]) == (3, 1, 1, 1)
    pages = selectors.page_views(since=today, until=today)
    assert pages[0]["route"] == "parks:park-detail" and pages[0]["views"] == 3 and pages[0]["visitors"] == 3
    # the network's analytics page shows it, and exports it
    client.force_login(StaffFactory())
    page = client.get("/admin/reports/analytics/").content.decode()
    assert "Purchase funnel" in page and "Park tickets" in page and "parks:park-detail" in page
    csv = client.get("/admin/reports/analytics/?export=funnel").content.decode()
    assert "Park tickets,3,1,1,1" in csv.replace("\r", "")


def test_synced_events_leave_the_database_after_the_kept_days_never_before(store, settings):
    settings.ANALYTICS_WEB_EVENTS_KEEP_DAYS = 30
    old = timezone.now() - timedelta(days=40)
    common = {"kind": "page_view", "visitor": "0" * 16, "path": "/en/parks/"}
    WebEvent.objects.create(created_at=old, **common)
    assert web_events_purge() == 0  # never synced: kept
    sync.facts_sync()
    recent = WebEvent.objects.create(created_at=timezone.now(), **common)
    assert web_events_purge() == 1
    assert list(WebEvent.objects.all()) == [recent]
    assert SyncState.objects.get(source="analytics.web_events").rows_synced == 1


def test_a_customers_events_are_exported_and_erased_with_the_account(client, park):
    person = UserFactory()
    client.force_login(person)
    assert client.get(reverse("parks:park-detail", args=[park.slug]), follow=True).status_code == 200
    [section] = [s for s in sections() if s.key == "web_events"]
    assert section.export(person)[0]["kind"] == "page_view"
    section.erase(person)
    assert not WebEvent.objects.filter(user=person).exists()


def test_merchant_staff_export_their_own_merchants_segment_only(client, store):
    ours, theirs = MerchantFactory(name="Ours"), MerchantFactory(name="Theirs")
    mine = [buyer() for _ in range(3)]
    for person in mine:
        sale(merchant=ours, buyer=person, amount="100.00", currency="KGS")
    sale(merchant=theirs, amount="50.00", currency="KGS")
    sync.facts_sync()
    rfm_snapshot_create()
    staff = UserFactory(is_staff=True)
    MembershipFactory(merchant=ours, user=staff)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_segmentcampaign", "view_segmentcampaign", "change_segmentcampaign"]
        )
    )
    client.force_login(staff)
    page = client.get("/admin/reports/analytics/").content.decode()
    assert "Export to a campaign" in page
    export = reverse("analytics-segment-export")
    segment = selectors.rfm_segment_sizes(scope=ours.pk, day=selectors.rfm_latest_date(scope=ours.pk))[0]["rfm_segment"]
    assert client.post(export + f"?merchant={theirs.pk}", {"segment": segment}).status_code == 403
    response = client.post(export, {"segment": segment, "currency": "KGS"})
    assert response.status_code == 302
    campaign = SegmentCampaign.objects.get()
    assert campaign.merchant == ours and set(campaign.recipient_ids) <= {p.pk for p in mine} and campaign.recipients
    # they see their campaign, not the network's
    network = SegmentCampaign.objects.create(
        name="Network", segment=segment, snapshot_date=campaign.snapshot_date, subject="s", message="m"
    )
    listing = client.get(reverse("admin:analytics_segmentcampaign_changelist")).content.decode()
    assert campaign.name in listing and "Network" not in listing
    assert client.get(reverse("admin:analytics_segmentcampaign_change", args=[network.pk])).status_code in (
        302,
        403,
        404,
    )
    # without the permission there is no export
    staff.user_permissions.clear()
    staff = type(staff).objects.get(pk=staff.pk)
    client.force_login(staff)
    assert client.post(export, {"segment": segment}).status_code == 403
