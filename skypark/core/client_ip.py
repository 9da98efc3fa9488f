"""The address of the client that sent a request.

``REMOTE_ADDR`` is the peer that opened the connection. Only when that peer is one of
``settings.TRUSTED_PROXIES`` (addresses or networks such as ``10.0.0.0/8``) is
``X-Forwarded-For`` read: from its right end, skipping the trusted proxies, the first
address is the client's. From any other peer the header is ignored, so a client cannot
choose the address that rate limits and log-in lockouts count against.
"""

import ipaddress

from django.conf import settings


def _networks():
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in settings.TRUSTED_PROXIES if entry.strip()]


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's IP address as a string ("" when there is none)."""
    if request is None:
        return ""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    networks = _networks()
    if not networks or not _trusted(_parse(remote), networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _parse(hop)
        if address is None:
            # A hop that is not an address: nothing to the left of it can be trusted.
            break
        if not _trusted(address, networks):
            return str(address)
    return remote
