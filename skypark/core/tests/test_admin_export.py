"""Export of every business changelist: generated from the admin registry."""

import csv
import io

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from skypark.accounts.tests.factories import MembershipFactory, StaffFactory, UserFactory
from skypark.core.backoffice import is_business_model
from skypark.core.models import StaffJob

pytestmark = pytest.mark.django_db

BUSINESS_ADMINS = sorted((m for m in admin.site._registry if is_business_model(m)), key=lambda m: m._meta.label)


def _export_url(model, fmt, query=""):
    return reverse("admin:export", args=[model._meta.app_label, model._meta.model_name, fmt]) + query


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_rows(response):
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _xlsx_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(_body(response)))
    return [[cell.value for cell in row] for row in book.active.iter_rows()]


@pytest.fixture
def demo_data():
    from skypark.commerce.tests.factories import paid_order
    from skypark.notify.tests.factories import NotificationFactory

    UserFactory.reset_sequence(500_000)  # clear of the demo seed's phone numbers
    call_command("seed_demo", stdout=io.StringIO())
    paid_order()
    NotificationFactory()


def test_every_business_changelist_has_export_links_and_exports_its_rows(client, demo_data):
    client.force_login(StaffFactory())
    with_rows = 0
    for model in BUSINESS_ADMINS:
        changelist = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        assert changelist.status_code == 200, model
        html = changelist.content.decode()
        for fmt in ("csv", "xlsx"):
            assert f'href="{_export_url(model, fmt)}"' in html, (model, fmt)
        expected = model_admin_count = admin.site._registry[model].get_queryset(changelist.wsgi_request).count()
        response = client.get(_export_url(model, "csv"))
        assert response.status_code == 200, model
        assert response["Content-Type"].startswith("text/csv")
        rows = _csv_rows(response)
        assert rows[0][0] == "id", model
        assert len(rows) - 1 == expected, model
        with_rows += model_admin_count > 0
    assert with_rows >= 25


def test_no_export_for_system_models(client):
    client.force_login(StaffFactory())
    html = client.get(reverse("admin:core_staffjob_changelist")).content.decode()
    assert "export-link" not in html
    assert client.get(_export_url(StaffJob, "csv")).status_code == 404


def test_xlsx_export_holds_exactly_the_filtered_rows(client, demo_data):
    from skypark.parks.models import Park, SlotCapacity

    client.force_login(StaffFactory())
    park = Park.objects.order_by("pk").first()
    query = f"?park__id__exact={park.pk}"
    changelist = client.get(reverse("admin:parks_slotcapacity_changelist") + query).content.decode()
    assert f'href="{_export_url(SlotCapacity, "xlsx", query)}"' in changelist
    response = client.get(_export_url(SlotCapacity, "xlsx", query))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = _xlsx_rows(response)
    assert rows[0][:2] == ["id", "Park"]
    exported = {int(row[0]) for row in rows[1:]}
    assert exported == set(SlotCapacity.objects.filter(park=park).values_list("pk", flat=True))
    assert SlotCapacity.objects.exclude(park=park).exists()
    assert {row[1] for row in rows[1:]} == {park.name}


def test_search_applies_to_the_export(client):
    client.force_login(StaffFactory())
    wanted = UserFactory(name="Aizada Export")
    UserFactory(name="Someone Else")
    rows = _csv_rows(client.get(_export_url(type(wanted), "csv", "?q=Aizada")))
    assert [r[0] for r in rows[1:]] == [str(wanted.pk)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulae_are_escaped(client, fmt):
    client.force_login(StaffFactory())
    user = UserFactory(name='=HYPERLINK("http://evil.example","click")')
    response = client.get(_export_url(type(user), fmt, "?q=HYPERLINK"))
    rows = _csv_rows(response) if fmt == "csv" else _xlsx_rows(response)
    name_col = rows[0].index("Name")
    assert rows[1][name_col] == 'HYPERLINK("http://evil.example","click")'
    assert not any(str(cell).startswith("=") for row in rows for cell in row if cell is not None)
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


def test_merchant_staff_export_only_their_rows(client):
    from loyalty.tests.factories import give_points

    mine, theirs = MembershipFactory(), MembershipFactory()
    customer = UserFactory()
    give_points(customer, 50, merchant=mine.merchant)
    give_points(customer, 70, merchant=theirs.merchant)
    mine.user.user_permissions.set(Permission.objects.filter(codename__in=["view_account", "view_merchantmembership"]))
    client.force_login(mine.user)
    from loyalty.models import Account
    from skypark.accounts.models import MerchantMembership

    for model in (Account, MerchantMembership):
        rows = _xlsx_rows(client.get(_export_url(model, "xlsx")))
        ids = {int(r[0]) for r in rows[1:]}
        assert ids == set(model.objects.filter(merchant=mine.merchant).values_list("pk", flat=True)), model
        assert ids and model.objects.exclude(merchant=mine.merchant).exists()
    assert client.get(_export_url(Account, "csv")).status_code == 200
    # a model they may not see
    from skypark.commerce.models import Order

    assert client.get(_export_url(Order, "csv")).status_code == 403


def test_bad_filters_are_a_400(client):
    client.force_login(StaffFactory())
    from skypark.accounts.models import User

    assert client.get(_export_url(User, "csv", "?nonsense__field=1")).status_code == 400
    assert client.get(_export_url(User, "pdf")).status_code == 404


def test_a_large_export_runs_as_a_background_job(client, settings, django_capture_on_commit_callbacks):
    settings.ADMIN_EXPORT_SYNC_LIMIT = 2
    staff = StaffFactory()
    for n in range(4):
        UserFactory(name=f"Bulk {n}")
    client.force_login(staff)
    from skypark.accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_export_url(User, "xlsx", "?q=Bulk"))
    job = StaffJob.objects.get(kind="core.admin_export")
    assert response.status_code == 302 and response["Location"] == reverse("admin:core_staffjob_change", args=[job.pk])
    job.refresh_from_db()
    assert job.status == StaffJob.Status.SUCCEEDED and job.result["rows"] == 4
    page = client.get(response["Location"]).content.decode()
    download = reverse("admin:export_download", args=[job.pk])
    assert download in page
    rows = _xlsx_rows(client.get(download))
    assert sorted(r[2] for r in rows[1:]) == [f"Bulk {n}" for n in range(4)]
    client.force_login(UserFactory(is_staff=True))
    assert client.get(download).status_code in (302, 403)


def test_staff_without_the_jobs_list_wait_on_the_download_page(client, settings):
    from skypark.accounts.models import User

    settings.ADMIN_EXPORT_SYNC_LIMIT = 1
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "view_all_merchants"]))
    UserFactory(name="Waiting 1")
    UserFactory(name="Waiting 2")
    client.force_login(staff)
    response = client.get(_export_url(User, "csv", "?q=Waiting"))  # the job is queued on commit
    job = StaffJob.objects.get(kind="core.admin_export")
    assert response["Location"] == reverse("admin:export_download", args=[job.pk])
    pending = client.get(response["Location"])
    assert pending.status_code == 202
    assert "The export is being prepared" in pending.content.decode()


def test_merchant_staff_holding_the_jobs_permission_wait_on_the_download_page(client, settings):
    """The jobs list is for network staff only: merchant staff are sent to their file,
    not to a page that refuses them."""
    from loyalty.models import Account
    from loyalty.tests.factories import give_points
    from skypark.accounts.tests.factories import MembershipFactory

    settings.ADMIN_EXPORT_SYNC_LIMIT = 1
    membership = MembershipFactory()
    staff = membership.user
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_account", "view_staffjob"]))
    for _n in range(2):
        give_points(UserFactory(), 5, merchant=membership.merchant)
    client.force_login(staff)
    response = client.get(_export_url(Account, "csv"))
    job = StaffJob.objects.get(kind="core.admin_export")
    assert response["Location"] == reverse("admin:export_download", args=[job.pk])
    assert client.get(response["Location"]).status_code == 202
