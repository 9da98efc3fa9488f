from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loyalty import services
from loyalty.models import Account, ImportBatch, LedgerEntry, PosTransaction
from skypark.accounts.tests.factories import MembershipFactory, MerchantFactory, UserFactory
from skypark.audit.models import AuditEntry

from .factories import CouponFactory, ProgramFactory, give_points

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "account",
    "customertotals",
    "ledgerentry",
    "postransaction",
    "coupon",
    "couponredemption",
    "crosspromo",
    "scanlog",
    "fraudflag",
    "importbatch",
    "merchantdailystats",
    "merchantprogram",
    "tier",
    "referral",
    "tierchange",
    "offer",
    "offerapplication",
]


def seed(merchant, n):
    start = PosTransaction.objects.filter(merchant=merchant).count()
    for i in range(start, start + n):
        customer = UserFactory()
        services.pos_transaction_record(
            merchant=merchant, customer=customer, external_id=f"{merchant.pk}-{i}", amount=Decimal("500")
        )
        services.customer_scan(merchant=merchant, payload=customer.customer_code, entry="manual")
        CouponFactory(merchant=merchant, customer=customer)
    services.daily_aggregates_build()


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_render_with_constant_queries(admin_client_logged, model, django_assert_max_num_queries):
    merchant = MerchantFactory()
    seed(merchant, 2)
    changelist = reverse(f"admin:loyalty_{model}_changelist")
    with django_assert_max_num_queries(40) as few:
        assert admin_client_logged.get(changelist).status_code == 200
    seed(merchant, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client_logged.get(changelist).status_code == 200


@pytest.fixture
def merchant_staff(client):
    membership = MembershipFactory()
    user = membership.user
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="loyalty", codename__startswith="view_")
        | Permission.objects.filter(codename__in=["add_ledgerentry", "add_importbatch"])
    )
    client.force_login(user)
    return client, membership.merchant


def test_merchant_staff_see_only_their_merchants_rows(merchant_staff):
    client, mine = merchant_staff
    theirs = MerchantFactory()
    seed(mine, 1)
    seed(theirs, 1)
    for model in ("postransaction", "account", "scanlog", "coupon"):
        body = client.get(reverse(f"admin:loyalty_{model}_changelist")).content.decode()
        assert theirs.name not in body
    response = client.get(reverse("admin:loyalty_postransaction_changelist"))
    assert [tx.merchant for tx in response.context["cl"].result_list] == [mine]
    other_tx = PosTransaction.objects.get(merchant=theirs)
    assert client.get(reverse("admin:loyalty_postransaction_change", args=[other_tx.pk])).status_code in (302, 404)
    assert client.get(reverse("admin:loyalty_fraudflag_changelist")).status_code == 403


def test_manual_adjustment_with_reason_is_audited(merchant_staff):
    client, mine = merchant_staff
    ProgramFactory(merchant=mine)
    customer = UserFactory()
    give_points(customer, 100, merchant=mine)
    account = Account.objects.get(merchant=mine)
    adjust = reverse("admin:loyalty-account-adjust", args=[account.pk])
    response = client.post(adjust, {"points": "-30", "reason": ""})
    assert response.status_code == 200 and not LedgerEntry.objects.filter(kind="adjusted").exists()
    response = client.post(adjust, {"points": "-30", "reason": "returned goods"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.balance == 70
    assert AuditEntry.objects.get(action="loyalty.points.adjusted").data["reason"] == "returned goods"
    coalition = services.account_get_or_create(customer=customer)
    assert client.get(reverse("admin:loyalty-account-adjust", args=[coalition.pk])).status_code == 404


def test_csv_upload_queues_an_import_for_own_merchant_only(merchant_staff, django_capture_on_commit_callbacks):
    client, mine = merchant_staff
    customer = UserFactory()
    csv_text = f"external_id,customer_code,amount\ncsv-1,{customer.customer_code},250.00\ncsv-2,NOBODY,1\n"
    upload = reverse("admin:loyalty_importbatch_add")
    other = MerchantFactory()
    response = client.post(upload, {"merchant": other.pk, "file": SimpleUploadedFile("t.csv", csv_text.encode())})
    assert response.status_code == 200 and not ImportBatch.objects.exists()
    response = client.post(upload, {"merchant": mine.pk, "file": SimpleUploadedFile("t.csv", csv_text.encode())})
    assert response.status_code == 302
    batch = services.import_batch_run(batch_id=ImportBatch.objects.get().pk)
    assert (batch.created_count, batch.error_count, batch.source) == (1, 1, "csv")
    page = client.get(reverse("admin:loyalty_importbatch_change", args=[batch.pk])).content.decode()
    assert "customer_not_found" in page


def test_merchant_dashboard_shows_today_and_30_days(merchant_staff):
    client, mine = merchant_staff
    seed(mine, 3)
    seed(MerchantFactory(), 5)
    response = client.get(reverse("admin:loyalty-merchant-dashboard"))
    assert response.status_code == 200
    assert response.context["today"]["transactions"] == 3 and response.context["month"]["points_issued"] == 150
    assert "<svg" in response.content.decode()


def test_admin_index_shows_the_loyalty_panel(admin_client_logged):
    seed(MerchantFactory(), 1)
    body = admin_client_logged.get(reverse("admin:index")).content.decode()
    assert "Points issued per day" in body or "Loyalty points" in body
