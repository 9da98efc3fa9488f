import pytest
from django.test import RequestFactory

from skypark.core.client_ip import client_ip


def _request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.1", "198.51.100.1", "203.0.113.1"),
        (["10.0.0.1"], "203.0.113.1", "198.51.100.1", "203.0.113.1"),
        (["10.0.0.1"], "10.0.0.1", "198.51.100.1", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (["10.0.0.0/8"], "10.0.0.1", "", "10.0.0.1"),
        (["10.0.0.0/8"], "10.0.0.1", "not-an-ip", "10.0.0.1"),
        (["10.0.0.0/8"], "10.0.0.1", "10.0.0.3", "10.0.0.1"),
        (["fd00::/8"], "fd00::1", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_the_forwarded_address_is_read_only_from_a_trusted_proxy(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(_request(remote, forwarded)) == expected
