"""Is a request from this machine, with no proxy in between?

A reverse proxy on the same host connects from 127.0.0.1 too, but adds a forwarding header;
such a request is treated as coming from outside.
"""

from __future__ import annotations

import ipaddress
import logging

from starlette.requests import Request

from channels.errors import ForgedRequest

log = logging.getLogger("antirelous.webhooks")

PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address) is a loopback interface."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def has_proxy_headers(request: Request) -> bool:
    """Whether the request says it was forwarded by a proxy."""
    return any(name in request.headers for name in PROXY_HEADERS)


def is_direct_loopback(request: Request) -> bool:
    """From a loopback address and not through a proxy."""
    client = request.client
    return client is not None and is_loopback_host(client.host) and not has_proxy_headers(request)


def refuse_proxied_in_dev(request: Request) -> None:
    """In dev mode, accept only direct loopback requests, and say so on every request."""
    if has_proxy_headers(request):
        raise ForgedRequest("dev mode accepts no proxied request (Forwarded/X-Forwarded-For)")
    log.warning("dev mode: %s accepted without a signature check", request.url.path)
