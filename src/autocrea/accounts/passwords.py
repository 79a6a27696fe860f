"""Password hashing: argon2id with the owner's cost, a bounded number at once, upgraded at login.

Each hash holds `memory_kib` of memory for ~0.1 s; unbounded, a burst of sign-ups and logins would
take that many times over and fill the shared thread pool that file and git work also runs on. At
most one hash per CPU runs at a time; the rest wait their turn. A stored hash made with other
parameters still verifies (argon2 keeps them in the hash) and is re-made with the current ones at
that user's next successful login, so raising the cost reaches every active account.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MAX_PASSWORD_CHARS = 1024  # longer input is cut before hashing: never hash megabytes


@dataclass(frozen=True)
class Verified:
    ok: bool
    rehashed: str | None  # the password hashed with the current parameters, when the stored one differs


class Passwords:
    def __init__(self, *, memory_kib: int = 65536, time_cost: int = 3, parallelism: int = 4) -> None:
        self._hash = PasswordHash(
            (Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism),)
        )
        self._turns = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        async with self._turns:
            return await asyncio.to_thread(self._hash.hash, password[:MAX_PASSWORD_CHARS])

    async def verify(self, password: str, stored: str | None) -> Verified:
        """Check `password`; with no stored hash (unknown user) the same work is done against a dummy,
        so both answers take as long."""
        if stored is None:
            if self._dummy is None:
                self._dummy = await self.hash("not-a-real-password-0f9c")
            stored, real = self._dummy, False
        else:
            real = True
        async with self._turns:
            ok, updated = await asyncio.to_thread(self._check, password[:MAX_PASSWORD_CHARS], stored)
        return Verified(ok=ok and real, rehashed=updated if ok and real else None)

    def _check(self, password: str, stored: str) -> tuple[bool, str | None]:
        try:
            return self._hash.verify_and_update(password, stored)
        except Exception:  # a malformed stored hash is a failed login, never a crash
            return False, None
