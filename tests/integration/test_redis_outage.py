"""Redis killed under a running server: the API keeps serving (sign-up, login, projects), rate limits
still hold (counted in the process's memory, counted in /metrics), a run's live stream is read from
the database and ends complete, /ready says Redis is down and the policy in force; once Redis is
back, /ready says so. Before, every signed-in request, login, sign-up and new stream got 503 while
/ready said 200."""

from __future__ import annotations

import time
from pathlib import Path

from tests.platform import PASSWORD, running, settings_for
from tests.redis_server import own_redis


def _redis_state(platform: object) -> dict[str, object]:
    response = platform.request("GET", "/ready")  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    state: dict[str, object] = response.json()["details"]["redis"]
    return state


def _wait_redis(platform: object, *, ok: bool) -> None:
    deadline = time.monotonic() + 15
    while _redis_state(platform)["ok"] is not ok:
        assert time.monotonic() < deadline, f"/ready never said redis ok={ok}"
        time.sleep(0.2)


def test_the_api_serves_limits_hold_and_streams_complete_while_redis_is_down(
    tmp_path: Path, runtime_root: Path
) -> None:
    with own_redis() as redis:
        settings = settings_for(
            tmp_path, redis_url=redis.url, runtime_dir=runtime_root, rate_limit_login="3/minute"
        )
        with running(settings) as platform:
            assert _redis_state(platform) == {"ok": True, "policy": None}
            ana = platform.register()
            redis.kill()

            # Signed-in requests, a new account and a new run are served.
            assert platform.request("GET", "/api/auth/me", ana).status_code == 200
            bea = platform.register()
            run = platform.generate(bea)["run"]
            _wait_redis(platform, ok=False)
            assert "memory" in str(_redis_state(platform)["policy"])

            # The run's stream opens, is fed from the database and ends complete.
            events = platform.events(bea, run["id"], timeout=180)
            assert [e["id"] for e in events] == list(range(1, len(events) + 1))
            assert events[-1]["type"] == "run.finished"

            # Limits still hold: three failed logins, then 429 with Retry-After. The limiter's sliding
            # window counter weighs the previous minute's hits by what is left of it, so four hits
            # that straddle a minute boundary may all pass: start well inside a minute.
            if time.time() % 60 > 40:
                time.sleep(61 - time.time() % 60)
            wrong = {"email": ana.email, "password": PASSWORD + "-not"}
            codes = [platform.request("POST", "/api/auth/login", json=wrong).status_code for _ in range(4)]
            assert codes == [401, 401, 401, 429], codes
            metrics = platform.request("GET", "/metrics").text
            fallbacks = next(r for r in metrics.splitlines() if r.startswith("autocrea_ratelimit_fallbacks "))
            assert float(fallbacks.split()[1]) > 0

            redis.start()
            _wait_redis(platform, ok=True)
            assert platform.request("GET", "/api/auth/me", ana).status_code == 200
