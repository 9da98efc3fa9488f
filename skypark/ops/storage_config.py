"""Where uploaded and generated files live (``STORAGES["default"]``): event covers, staff
exports, anything the code saves through ``default_storage``.

``FILE_STORAGE=local`` (default) keeps them under ``MEDIA_ROOT`` — right for one machine.
With more than one web node or worker use ``FILE_STORAGE=s3``: an S3-compatible bucket
(AWS, MinIO, Yandex Object Storage, Cloudflare R2…) through django-storages, so a file a
worker wrote (an export) is there for whichever web node serves its download. Ticket PDFs,
receipts and certificates are drawn when asked for and never stored.

Imported by the settings module: no Django imports here.
"""


def default_storage_config(env) -> dict:
    kind = env("FILE_STORAGE", default="local")
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ValueError(f"FILE_STORAGE must be 'local' or 's3', not {kind!r}")
    options = {
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "region_name": env("AWS_S3_REGION_NAME", default=None),
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
        "access_key": env("AWS_ACCESS_KEY_ID", default=None),
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
        "location": env("AWS_LOCATION", default="media"),
        # Private objects; links are signed and expire (exports hold customers' data).
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=600),
        "file_overwrite": False,
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None),
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {k: v for k, v in options.items() if v is not None}}
