"""Brute force: failed logins are limited per account and, five times as many, per IP (429 + Retry-After).

Clients get distinct IPs through X-Forwarded-For from a trusted proxy (TestClient's peer is
"testclient"), so runs sharing one Redis never count each other's failures.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.platform import PASSWORD, Platform, running, settings_for
from tests.services import require_redis

WRONG = "not-the-password-9"


def throttled(tmp: Path, limit: str, **extra: Any) -> Any:
    return running(
        settings_for(tmp / "data", rate_limit_login=limit, trusted_proxies="testclient", **extra),
        run_worker=False,
    )


def ip() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def login(platform: Platform, email: str, password: str, address: str) -> httpx.Response:
    return platform.request(
        "POST",
        "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json() == {
        "error": {
            "code": "rate_limited",
            "message": f"Too many failed logins. Try again in {wait} seconds or reset your password.",
            "details": {"retry_after": wait},
        }
    }


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with throttled(tmp_path_factory.mktemp("throttle"), "2/minute") as platform:
        yield platform


def test_an_account_is_locked_after_its_failed_logins_even_for_the_right_password(memory: Platform) -> None:
    email = f"kim-{uuid.uuid4().hex[:6]}@example.com"
    memory.register(email)
    address = ip()
    assert [login(memory, email, WRONG, address).status_code for _ in range(2)] == [401, 401]
    assert_throttled(login(memory, email, PASSWORD, address))
    assert_throttled(login(memory, email, PASSWORD, ip()))  # per account: another IP does not help
    other = memory.register()
    assert login(memory, other.email, PASSWORD, address).status_code == 200  # others are not locked out


def test_unknown_and_known_accounts_are_throttled_alike(memory: Platform) -> None:
    known = memory.register().email
    unknown = f"ghost-{uuid.uuid4().hex[:6]}@example.com"
    answers = []
    for email in (known, unknown):
        address = ip()
        first = [login(memory, email, WRONG, address) for _ in range(2)]
        answers.append(([r.status_code for r in first], login(memory, email, WRONG, address).status_code))
    assert answers == [([401, 401], 429), ([401, 401], 429)]


def test_one_ip_is_limited_across_accounts(tmp_path: Path) -> None:
    with throttled(tmp_path, "1/minute") as platform:  # 1 per account, 5 per IP
        victim = platform.register().email
        address = ip()
        for _ in range(5):
            assert (
                login(platform, f"spray-{uuid.uuid4().hex[:6]}@example.com", WRONG, address).status_code
                == 401
            )
        assert_throttled(login(platform, victim, PASSWORD, address))
        assert login(platform, victim, PASSWORD, ip()).status_code == 200  # the account itself is fine


def test_redis_shares_the_limit_between_servers(tmp_path: Path) -> None:
    redis_url = require_redis()
    email = f"shared-{uuid.uuid4().hex[:8]}@example.com"
    address = ip()
    with throttled(tmp_path / "a", "2/minute", redis_url=redis_url) as first:
        assert [login(first, email, WRONG, address).status_code for _ in range(2)] == [401, 401]
    with throttled(tmp_path / "b", "2/minute", redis_url=redis_url) as second:
        assert_throttled(login(second, email, WRONG, address))
        assert login(second, f"other-{uuid.uuid4().hex[:8]}@example.com", WRONG, ip()).status_code == 401
