"""Recently resolved sessions and API tokens, kept for a few seconds.

Most API calls come in bursts from one browser or script; remembering who a cookie or token belongs
to for `ttl` seconds saves a database query on nearly every request. A logout, a revoked token or a
profile change drops the user's entries in this process at once; other processes forget them within
`ttl` seconds.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from autocrea.storage.tables import User

T = TypeVar("T")


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, and how it proved it."""

    user: User
    via: Literal["session", "token", "clerk"]
    csrf_token: str | None = None


DEFAULT_TTL = 5.0
DEFAULT_SIZE = 10_000


class RecentPrincipals(Generic[T]):
    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL,
        size: int = DEFAULT_SIZE,
        user_of: Callable[[T], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._user_of = user_of
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()

    @staticmethod
    def key(kind: str, secret: str) -> str:
        # Keyed by a hash: the secret itself is never kept in memory longer than the request.
        return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()}"

    def get(self, key: str) -> T | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, value = found
        if expires <= self._clock():
            del self._entries[key]
            return None
        return value

    def put(self, key: str, value: T, *, valid_for: float | None = None) -> None:
        """Remember `value` for the ttl, or less when the credential itself ends sooner."""
        ttl = self._ttl if valid_for is None else min(self._ttl, valid_for)
        if ttl <= 0:
            return
        self._entries[key] = (self._clock() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop_user(self, user_id: str) -> None:
        for key in [k for k, (_, v) in self._entries.items() if self._user_of(v) == user_id]:
            del self._entries[key]
