"""Staff read the archives of old history in the back office, in each language the back
office speaks, on a phone and a desktop: the audit log, scan log and notification
archives, a list and one archived row each (screenshot, no sideways scrolling, axe-core)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import ScanLog, ScanLogArchive
from skypark.accounts.tests.factories import MerchantFactory, StaffFactory
from skypark.audit.models import AuditEntryArchive
from skypark.audit.services import audit_log
from skypark.core.archiving import archive_all
from skypark.notify.models import NotificationArchive
from skypark.notify.tests.factories import NotificationFactory

from .walk import SIZES, Walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "archive-reader-2026"


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_staff_read_the_archives(browser, walk_root, settings, language, size):
    settings.LANGUAGE_CODE = language
    staff = StaffFactory(phone="+996700555001", language=language)
    staff.set_password(PASSWORD)
    staff.save()
    audit_log(actor=staff, action="parks.ticket.admitted", data={"gate": "Вход 2"})
    ScanLog.objects.create(merchant=MerchantFactory(), payload="7K3M9P2QXA-482913", result="ok")
    NotificationFactory(subject="Ваш билет", body="Билет во вложении")
    moved = archive_all(now=timezone.now() + datetime.timedelta(days=1000))
    assert all(moved[model._meta.label] for model in (AuditEntryArchive, ScanLogArchive, NotificationArchive)), moved

    walk = Walk(
        browser,
        base_url=browser.base_url,
        language=language,
        size=size,
        folder=walk_root / f"archive-{language}-{size}",
    )
    walk.open("/admin/login/", "admin-login")
    walk.fill(username=staff.phone, password=PASSWORD)
    walk.click("#login-form [type=submit]", "admin-index", where="#content")
    for model in (AuditEntryArchive, ScanLogArchive, NotificationArchive):
        opts = model._meta
        walk.open(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), f"{opts.model_name}-list")
        rows = walk.driver.find_elements("css selector", "#result_list tbody tr")
        assert len(rows) == model.objects.count() >= 1
        row = model.objects.order_by("-pk").first()
        page = walk.open(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]), opts.model_name)
        assert str(row.pk) in page
