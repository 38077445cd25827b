"""The docker-compose deployment (docker-compose.yml, deploy/nginx.conf): the API believes X-Forwarded-For
only from nginx, and nginx writes there the address it saw, so the client address the API counts (login
throttling) is that one, whatever a client writes in the header itself."""

import asyncio
import ipaddress
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.config import Settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
NGINX = (REPO / "deploy" / "nginx.conf").read_text()


def _forwarded_for(remote_addr: str, sent: str | None) -> str:
    """X-Forwarded-For as deploy/nginx.conf has nginx pass it on, for a client at remote_addr that sent `sent`."""
    (value,) = re.findall(r"proxy_set_header\s+X-Forwarded-For\s+(\S+);", NGINX)
    return {"$remote_addr": remote_addr,
            "$proxy_add_x_forwarded_for": f"{sent}, {remote_addr}" if sent else remote_addr}[value]


def _client_seen_by_the_api(peer: str, forwarded_for: str) -> str:
    """The client address the API's requests get, as `gridpatrol serve` sets uvicorn up (api/server.py)."""
    settings = Settings(forwarded_allow_ips=COMPOSE["x-api-env"]["GRIDPATROL_FORWARDED_ALLOW_IPS"])
    seen = {}

    async def app(scope, _receive, _send):
        seen["client"] = scope["client"][0]

    scope = {"type": "http", "client": (peer, 50000), "headers": [(b"x-forwarded-for", forwarded_for.encode())]}
    # A thread of its own: after the browser tests, Playwright's event loop is still running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, ProxyHeadersMiddleware(app, settings.forwarded_allow_ips)(scope, None, None)).result()
    return seen["client"]


def test_the_api_trusts_nginx_alone_at_its_fixed_address():
    trusted = COMPOSE["x-api-env"]["GRIDPATROL_FORWARDED_ALLOW_IPS"]
    assert trusted == COMPOSE["services"]["web"]["networks"]["default"]["ipv4_address"]
    (network,) = COMPOSE["networks"]["default"]["ipam"]["config"]
    address = ipaddress.ip_address(trusted)
    assert address in ipaddress.ip_network(network["subnet"])
    assert address not in ipaddress.ip_network(network["ip_range"])  # no other container is given it


@pytest.mark.parametrize("sent", [None, "10.9.8.7", "10.9.8.7, 172.30.80.10"])
def test_the_client_address_is_the_one_nginx_saw(sent):
    nginx = COMPOSE["services"]["web"]["networks"]["default"]["ipv4_address"]
    assert _client_seen_by_the_api(nginx, _forwarded_for("198.51.100.20", sent)) == "198.51.100.20"


def test_another_peer_cannot_name_a_client():
    assert _client_seen_by_the_api("172.30.80.200", "10.9.8.7") == "172.30.80.200"


def test_trusting_any_peer_is_refused():
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS"):
        Settings(forwarded_allow_ips="*")
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS"):
        Settings(forwarded_allow_ips="127.0.0.1, *")
