"""The gate page, built on the core scanner: codes as people type or paste them, a verdict
in words and a symbol with the right live region, the park and gate kept between scans,
and the API's ``gate_code`` limit on guessing codes."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from skypark.accounts.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_ticket(buy, pay):
    return lambda: pay(buy(day=timezone.localdate()))


def _spellings(code):
    head, tail = code[:4], code[4:]
    return {
        "as printed": f"{head}-{tail}",
        "lower case": f"{head}-{tail}".lower(),
        "no dash": code.lower(),
        "spaces": f" {head.lower()} {tail} ",
        "en dash from a paste": f"{head}\u2013{tail}",
        "scanner line end": f"{code}\r\n",
    }


@pytest.mark.parametrize("spelling", list(_spellings("ABCDEFGH")))
def test_the_gate_admits_a_backup_code_however_it_is_typed(admin_client_logged, park, today_ticket, spelling):
    ticket = today_ticket()
    code = _spellings(ticket.backup_code)[spelling]
    page = admin_client_logged.post(reverse("parks:gate"), {"park": park.pk, "gate": "g1", "code": code})
    assert page.status_code == 200
    assert 'data-verdict="admitted"' in page.content.decode()


def test_the_verdict_is_words_and_a_symbol_in_a_live_region(admin_client_logged, park, today_ticket):
    ticket = today_ticket()
    data = {"park": park.pk, "gate": "g1", "code": ticket.backup_code}
    ok = admin_client_logged.post(reverse("parks:gate"), data).content.decode()
    assert re.search(r'<div role="status" aria-live="polite" class="verdict verdict--ok"', ok)
    assert "✔" in ok and "ADMITTED" in ok and "1 visitor" in ok
    refused = admin_client_logged.post(reverse("parks:gate"), data).content.decode()
    assert re.search(r'<div role="alert" aria-live="assertive" class="verdict verdict--refused"', refused)
    assert "✘" in refused and "REFUSED" in refused and "This ticket has already been used." in refused


def test_the_page_needs_no_script_posts_its_form_and_puts_the_focus_on_the_code(admin_client_logged, park):
    page = admin_client_logged.get(reverse("parks:gate"), follow=True).content.decode()
    # The only script is the offline gate's, loaded on top of a page that works without it.
    scripts = re.findall(r"<script[^>]*>", page)
    assert all('type="application/json"' in tag or "js/gate/gate" in tag for tag in scripts), scripts
    assert re.search(r'<form method="post" class="scanner__form">', page)
    code_input = re.search(r"<input[^>]*name=\"code\"[^>]*>", page)[0]
    assert "autofocus" in code_input and 'autocomplete="off"' in code_input
    assert '<h1 class="scanner__title">Пропускной пункт</h1>' in page


def test_the_park_and_gate_stay_chosen_between_scans(admin_client_logged, park):
    admin_client_logged.post(reverse("parks:gate"), {"park": park.pk, "gate": "north-1", "code": "ZZZZZZZZ"})
    page = admin_client_logged.get(reverse("parks:gate"), follow=True).content.decode()
    assert re.search(rf'<option value="{park.pk}" selected>', page)
    assert 'value="north-1"' in page


def test_customers_are_sent_to_log_in_and_staff_without_the_permission_get_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("parks:gate")).status_code == 302
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("parks:gate"), follow=True).status_code == 404


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "gate_code": "3/min"}
    )


def test_code_entry_on_the_page_is_limited_per_staff_member_with_the_api(client, park, three_a_minute):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="parks", codename="change_ticket"))
    api = APIClient()
    api.force_authenticate(staff)
    assert api.post(reverse("api:park-gate-admit"), {"park": park.slug, "code": "00000001"}).status_code == 200
    client.force_login(staff)
    for n in range(2):
        page = client.post(reverse("parks:gate"), {"park": park.pk, "code": f"0000001{n}"})
        assert page.status_code == 200 and 'data-reason="unknown"' in page.content.decode()
    page = client.post(reverse("parks:gate"), {"park": park.pk, "code": "00000020"})
    assert page.status_code == 429
    assert "Too many codes entered. Wait a minute, then scan again." in page.content.decode()
    assert api.post(reverse("api:park-gate-admit"), {"park": park.slug, "code": "00000021"}).status_code == 429
    # Another staff member is not affected.
    client.force_login(StaffFactory())
    assert client.post(reverse("parks:gate"), {"park": park.pk, "code": "00000022"}).status_code == 200
