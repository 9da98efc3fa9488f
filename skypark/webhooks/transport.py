"""The one HTTP client for URLs that partners supply — safe against server-side request
forgery.

A partner's webhook URL must never make the server talk to itself or its neighbours
(``http://127.0.0.1:5432``, the cloud metadata address ``169.254.169.254``, a private
network). So:

* ``url_check`` parses the URL, requires https where ``WEBHOOKS_REQUIRE_HTTPS`` is set
  (production), resolves the host and refuses it unless *every* address it resolves to is
  public: loopback, private, link-local, multicast, reserved, unspecified, carrier-grade
  NAT, IPv4-mapped IPv6 (``::ffff:127.0.0.1``), unique-local IPv6 (``fc00::/7``) and
  numeric spellings (``2130706433``, ``0x7f.1``, which the resolver turns into 127.0.0.1)
  are all refused. It runs when the URL is saved and again at every send.
* ``post`` (webhooks) and ``get`` (connectors reading a partner's CRM export) connect to
  the very address they checked — the host name is used only for the
  ``Host`` header and TLS (SNI and certificate verification) — so a DNS answer that
  changes between the check and the connection (rebinding) cannot redirect it. They follow
  no redirects. ``post`` reads at most a few kilobytes of the answer and returns only the
  status code and the time taken: staff never see what an internal service answered.
  ``get`` returns the body of a 2xx answer, at most ``max_bytes`` of it (a longer one is
  an error), and nothing of any other answer.

Tests reach a local receiver by listing its network in ``WEBHOOKS_ALLOWED_NETWORKS``
(empty by default; never set in production).
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from skypark.core.errors import DomainError

MAX_RESPONSE_BYTES = 4096
CARRIER_NAT = ipaddress.ip_network("100.64.0.0/10")


class UnsafeUrl(DomainError):
    code = "unsafe_url"
    status_code = 400
    default_message = _("This URL cannot receive webhooks.")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class Answer:
    status: int | None
    elapsed_ms: int
    error: str = ""
    refused: bool = False  # the URL itself is not allowed: retrying cannot help
    body: bytes = b""  # ``get`` only: the 2xx answer's body
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _allowed_networks():
    return [ipaddress.ip_network(n) for n in getattr(settings, "WEBHOOKS_ALLOWED_NETWORKS", [])]


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in network for network in _allowed_networks()):
        return True
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 6 and (ip.sixtofour is not None or ip.teredo is not None):
        return False
    if ip.version == 4 and ip in CARRIER_NAT:
        return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def url_check(url: str) -> Target:
    """Returns where ``url`` may be sent: its parts and the one checked address to
    connect to. Raises ``UnsafeUrl`` with the reason otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl(_("This is not a valid URL."))
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl(_("Webhook URLs must start with https://."))
    if scheme != "https" and getattr(settings, "WEBHOOKS_REQUIRE_HTTPS", False):
        raise UnsafeUrl(_("Webhook URLs must use https."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl(_("The URL has no host."))
    if parts.username or parts.password:
        raise UnsafeUrl(_("Webhook URLs may not carry a user name or password."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(_("The host %(host)s cannot be resolved.") % {"host": host})
    addresses = sorted({info[4][0] for info in infos})
    if not addresses or not all(address_is_public(a) for a in addresses):
        raise UnsafeUrl(
            _("The host %(host)s resolves to a private or reserved address; webhooks go only to public addresses.")
            % {"host": host}
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


def _pool(target: Target, timeout: float):
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, **options)


def _host_header(target: Target) -> str:
    if ":" in target.host and not target.host.startswith("["):
        return f"[{target.host}]" if target.port in (80, 443) else f"[{target.host}]:{target.port}"
    return target.host if target.port in (80, 443) else f"{target.host}:{target.port}"


def post(url: str, *, body: bytes, headers: dict, timeout: float) -> Answer:
    """POSTs ``body`` to ``url`` through the checks above. Never raises for the remote
    side's behaviour: a refused URL, a network error or a non-2xx status comes back as
    an ``Answer`` whose ``error`` says what happened (without the remote body)."""
    started = time.monotonic()

    def elapsed():
        return int((time.monotonic() - started) * 1000)

    try:
        target = url_check(url)
    except UnsafeUrl as exc:
        return Answer(status=None, elapsed_ms=elapsed(), error=f"refused: {exc.message}", refused=True)
    pool = _pool(target, timeout)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": _host_header(target)},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        response.read(MAX_RESPONSE_BYTES)
        response.release_conn()
        status = response.status
    except urllib3.exceptions.HTTPError as exc:
        return Answer(status=None, elapsed_ms=elapsed(), error=f"{type(exc).__name__}")
    finally:
        pool.close()
    error = "" if 200 <= status < 300 else f"HTTP {status}"
    return Answer(status=status, elapsed_ms=elapsed(), error=error)


def get(url: str, *, headers: dict, timeout: float, max_bytes: int) -> Answer:
    """GETs ``url`` through the checks above and returns a 2xx answer's body (at most
    ``max_bytes``; a longer body is an error, not a truncated one). Never raises for
    the remote side's behaviour, as ``post``; a non-2xx answer's body is not kept."""
    started = time.monotonic()

    def elapsed():
        return int((time.monotonic() - started) * 1000)

    try:
        target = url_check(url)
    except UnsafeUrl as exc:
        return Answer(status=None, elapsed_ms=elapsed(), error=f"refused: {exc.message}", refused=True)
    pool = _pool(target, timeout)
    try:
        response = pool.urlopen(
            "GET",
            target.path,
            headers={**headers, "Host": _host_header(target)},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        status = response.status
        body = response.read(max_bytes + 1) if 200 <= status < 300 else b""
        content_type = response.headers.get("Content-Type", "")
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return Answer(status=None, elapsed_ms=elapsed(), error=f"{type(exc).__name__}")
    finally:
        pool.close()
    if not 200 <= status < 300:
        return Answer(status=status, elapsed_ms=elapsed(), error=f"HTTP {status}")
    if len(body) > max_bytes:
        return Answer(status=status, elapsed_ms=elapsed(), error=f"larger than {max_bytes} bytes")
    return Answer(status=status, elapsed_ms=elapsed(), body=body, content_type=content_type)
