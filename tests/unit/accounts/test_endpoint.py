"""Users' base URLs reach public addresses only: no metadata service, no loopback, no private network."""

from __future__ import annotations

import asyncio
import socket

import pytest

from autocrea.accounts.endpoint import literal_problem, require_public, resolved_problem
from autocrea.errors import InvalidInput

REFUSED = [
    "http://127.0.0.1:5432/v1",
    "http://127.1/v1",  # short form of 127.0.0.1
    "http://2130706433/v1",  # 127.0.0.1 as one number
    "http://0.0.0.0:8000/v1",
    "http://10.1.2.3/v1",
    "http://172.16.0.9/v1",
    "http://192.168.1.20:11434/v1",
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://100.64.0.1/v1",  # carrier-grade NAT, shared space
    "http://[::1]:8000/v1",
    "http://[::ffff:127.0.0.1]/v1",  # IPv4 inside IPv6
    "http://[fd00::1]/v1",
    "http://[fe80::1%25eth0]/v1",
    "http://localhost:6379/v1",
    "http://LOCALHOST./v1",
    "http://redis.localhost/v1",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://printer.local/v1",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_and_reserved_addresses_are_refused_with_a_clear_message(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        asyncio.run(require_public(url))
    assert refused.value.details == {"field": "base_url", "reason": "private_address"}
    assert "only call public addresses" in refused.value.message
    assert "AUTOCREA_ALLOW_PRIVATE_MODEL_URLS" in refused.value.message


@pytest.mark.parametrize("url", ["https://8.8.8.8/v1", "https://[2606:4700:4700::1111]/v1"])
def test_public_addresses_pass(url: str) -> None:
    asyncio.run(require_public(url))


def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    assert literal_problem("api.openai.com") is None  # a name: the lookup decides
    assert resolved_problem(["104.18.6.192", "2606:4700::6812:6c0"]) is None
    assert resolved_problem(["104.18.6.192", "10.0.0.7"]) == (
        "it resolves to 10.0.0.7, 104.18.6.192, a private or reserved address"
    )
    assert resolved_problem(["::ffff:169.254.169.254"]) is not None


def test_this_machines_own_name_is_refused_through_its_lookup() -> None:
    host = socket.gethostname()
    addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)]
    if literal_problem(host) or not resolved_problem(addresses):
        pytest.skip(f"{host} resolves to public addresses here ({addresses})")
    with pytest.raises(InvalidInput, match="resolves to"):
        asyncio.run(require_public(f"http://{host}:8000/v1"))


def test_a_name_that_does_not_resolve_passes_because_nothing_can_be_reached() -> None:
    asyncio.run(require_public("https://models.example.invalid/v1"))


def test_a_bad_port_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="invalid port"):
        asyncio.run(require_public("http://models.example:99999/v1"))
