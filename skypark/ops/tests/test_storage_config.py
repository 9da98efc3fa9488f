import re
from pathlib import Path

import environ
import pytest
from django.conf import settings

from skypark.ops.storage_config import default_storage_config


def test_files_are_local_by_default(monkeypatch):
    monkeypatch.delenv("FILE_STORAGE", raising=False)
    assert default_storage_config(environ.Env()) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_s3_compatible_bucket_when_configured(monkeypatch):
    monkeypatch.setenv("FILE_STORAGE", "s3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "skypark-files")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://storage.example.kg")
    monkeypatch.setenv("AWS_S3_REGION_NAME", "kg-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example")
    config = default_storage_config(environ.Env())
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["default_acl"] == "private" and config["OPTIONS"]["querystring_auth"]

    from storages.backends.s3 import S3Storage

    storage = S3Storage(**config["OPTIONS"])
    url = storage.url("exports/abc.xlsx")  # signed locally, no request sent
    assert url.startswith("https://storage.example.kg/skypark-files/media/exports/abc.xlsx?")
    assert "X-Amz-Signature=" in url or "Signature=" in url


def test_an_unknown_storage_is_refused(monkeypatch):
    monkeypatch.setenv("FILE_STORAGE", "ftp")
    with pytest.raises(ValueError, match="FILE_STORAGE"):
        default_storage_config(environ.Env())


def test_no_code_writes_files_beside_the_storage_api():
    """Only the settings name MEDIA_ROOT; the rest of the code saves files through
    ``default_storage`` (so they follow FILE_STORAGE to a shared bucket)."""
    base = Path(settings.BASE_DIR)
    offenders = []
    for root in ("skypark", "loyalty", "events", "bookings"):
        for path in (base / root).rglob("*.py"):
            if "settings" in path.parts or "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            if re.search(r"MEDIA_ROOT|FileSystemStorage\(", text):
                offenders.append(str(path.relative_to(base)))
    # The docstring that explains it, and runserver serving local files under DEBUG.
    assert sorted(offenders) == ["skypark/ops/storage_config.py", "skypark/urls.py"]
