import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "analytics": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from skypark.core import views

    monkeypatch.setattr(views, "broker_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "down"


@pytest.mark.django_db
def test_openapi_schema_is_valid_openapi_3(client):
    from drf_spectacular.validation import validate_schema

    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "MerchantApiKey" in schema["components"]["securitySchemes"]
    assert "/api/v1/partner/me/" in schema["paths"]


@pytest.mark.django_db
def test_schema_generation_has_no_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.")


@pytest.mark.django_db
def test_api_docs_are_served_without_a_cdn(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert b"cdn.jsdelivr" not in response.content and b"unpkg" not in response.content


@pytest.mark.django_db
def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_production_settings_do_not_take_sandbox_card_payments():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "skypark.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "skypark.kg",
    }
    env.pop("PAYMENT_PROVIDERS", None)
    code = (
        "import django; django.setup(); from django.conf import settings; print(','.join(settings.PAYMENT_PROVIDERS))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert "sandbox" not in out.strip().split(",")
