"""Password hashes: the owner's argon2id cost, a bounded number at once, re-made at the next login."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from autocrea.accounts.passwords import Passwords
from tests.platform import PASSWORD, running, settings_for
from tests.unit.web.rows import sql


def test_hashes_use_the_configured_cost_and_verify() -> None:
    async def check() -> None:
        passwords = Passwords(memory_kib=8192, time_cost=1)
        hashed = await passwords.hash(PASSWORD)
        assert hashed.startswith("$argon2id$") and "m=8192,t=1," in hashed and PASSWORD not in hashed
        assert (await passwords.verify(PASSWORD, hashed)).ok
        assert not (await passwords.verify("not-the-password-9", hashed)).ok
        assert not (await passwords.verify(PASSWORD, "$argon2id$garbage")).ok  # never a crash
        unknown = await passwords.verify(PASSWORD, None)  # an unknown user: the same work, a miss
        assert not unknown.ok and unknown.rehashed is None

    asyncio.run(check())


def test_the_default_cost_is_argon2ids_recommended_one() -> None:
    settings = settings_for(Path("/nonexistent"))
    assert (settings.password_hash_memory_kib, settings.password_hash_time_cost) == (65536, 3)
    hashed = asyncio.run(Passwords().hash(PASSWORD))
    assert "m=65536,t=3,p=4$" in hashed


def test_at_most_one_hash_per_cpu_runs_at_a_time() -> None:
    running_now = 0
    most = 0
    lock = threading.Lock()

    class Counting(Passwords):
        def _check(self, password: str, stored: str) -> tuple[bool, str | None]:
            nonlocal running_now, most
            with lock:
                running_now += 1
                most = max(most, running_now)
            try:
                return super()._check(password, stored)
            finally:
                with lock:
                    running_now -= 1

    async def burst() -> None:
        passwords = Counting(memory_kib=8192, time_cost=1)
        hashed = await passwords.hash(PASSWORD)
        results = await asyncio.gather(*(passwords.verify(PASSWORD, hashed) for _ in range(24)))
        assert all(r.ok for r in results)

    asyncio.run(burst())
    assert 1 <= most <= max(1, os.cpu_count() or 1)


def test_a_new_cost_reaches_each_account_at_its_next_login(tmp_path: Path) -> None:
    secret = "passwords-secret-0123456789abcdef"
    cheap = settings_for(tmp_path / "data", secret_key=secret, password_hash_memory_kib=8192)
    with running(cheap, run_worker=False) as platform:
        ana = platform.register()
        ((before,),) = sql(platform, "SELECT password_hash FROM users WHERE id = :u", u=ana.user_id)
    assert "m=8192," in before
    dearer = settings_for(
        tmp_path / "data", secret_key=secret, password_hash_memory_kib=16384, password_hash_time_cost=2
    )
    with running(dearer, run_worker=False) as platform:
        wrong = platform.request("POST", "/api/auth/login", json={"email": ana.email, "password": "x" * 12})
        assert wrong.status_code == 401
        ((unchanged,),) = sql(platform, "SELECT password_hash FROM users WHERE id = :u", u=ana.user_id)
        assert unchanged == before  # a failed login changes nothing
        login = platform.request("POST", "/api/auth/login", json={"email": ana.email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        ((after,),) = sql(platform, "SELECT password_hash FROM users WHERE id = :u", u=ana.user_id)
        assert "m=16384,t=2," in after and after != before
        again = platform.request("POST", "/api/auth/login", json={"email": ana.email, "password": PASSWORD})
        assert again.status_code == 200
