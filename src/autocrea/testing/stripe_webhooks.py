"""Signed webhook deliveries of the local Stripe: Stripe's signature scheme, retries, and the
misbehaviour real Stripe allows itself (duplicates, any order) on request.

Each delivery is a POST of the event's JSON with `Stripe-Signature: t=<unix time>,v1=<hex>`, where
v1 is HMAC-SHA256 of "<t>.<body>" keyed with the endpoint's secret. A delivery that gets no 2xx is
retried after each of `retry_delays` (Stripe backs off over three days; tests want seconds).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


def signature(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send with `payload`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass(frozen=True)
class Attempt:
    event_id: str
    type: str
    attempt: int
    status: int | None  # None: no answer (refused, timed out)


@dataclass
class Deliverer:
    """Sends events to one endpoint. `copies` sends each event that many times at once;
    `hold()` keeps events until `release(reverse=...)` sends them, so tests choose the order."""

    url: str | None = None
    secret: str = ""
    retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0)
    copies: int = 1
    attempts: list[Attempt] = field(default_factory=list)
    _held: list[dict[str, Any]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _busy: int = 0
    _idle: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._idle = threading.Condition(self._lock)

    def send(self, event: dict[str, Any]) -> None:
        with self._lock:
            if self._held is not None:
                self._held.append(event)
                return
        self._start(event)

    def hold(self) -> None:
        with self._lock:
            self._held = []

    def release(self, *, reverse: bool = False) -> list[str]:
        """Send the held events (newest first with `reverse`); returns their ids in sending order."""
        with self._lock:
            held, self._held = self._held or [], None
        ordered = list(reversed(held)) if reverse else held
        for event in ordered:
            self._start(event)
        return [str(e["id"]) for e in ordered]

    def _start(self, event: dict[str, Any]) -> None:
        if not self.url:
            return  # no endpoint configured: events are only kept (FakeStripe.events)
        copies = max(1, self.copies)
        barrier = threading.Barrier(copies)
        with self._lock:
            self._busy += copies
        for _ in range(copies):
            threading.Thread(target=self._deliver, args=(event, barrier), daemon=True).start()

    def _deliver(self, event: dict[str, Any], barrier: threading.Barrier) -> None:
        payload = json.dumps(event)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)  # copies leave together: a true concurrent duplicate
        try:
            for attempt, delay in enumerate((0.0, *self.retry_delays), start=1):
                time.sleep(delay)
                status = self._post(payload)
                with self._lock:
                    self.attempts.append(Attempt(str(event["id"]), str(event["type"]), attempt, status))
                if status is not None and 200 <= status < 300:
                    return
        finally:
            with self._lock:
                self._busy -= 1
                self._idle.notify_all()

    def _post(self, payload: str) -> int | None:
        assert self.url is not None
        headers = {"content-type": "application/json", "stripe-signature": signature(payload, self.secret)}
        try:
            with httpx.Client(timeout=10, trust_env=False) as client:
                return client.post(self.url, content=payload.encode(), headers=headers).status_code
        except httpx.HTTPError:
            return None

    def wait_idle(self, timeout: float = 30) -> bool:
        """Block until no delivery is in flight (retries included); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)
