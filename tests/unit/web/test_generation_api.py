"""A generation through the API on each backend: 202 at once, live events, credits settled."""

from __future__ import annotations

from tests.platform import Platform


def test_a_generation_runs_to_a_verified_app_and_spends_the_hold(platform: Platform) -> None:
    ana = platform.register()
    created = platform.generate(ana)
    run = created["run"]
    assert run["status"] == "queued"
    me = platform.request("GET", "/api/auth/me", ana).json()
    assert me["credits"] == {"granted": 100, "spent": 0, "held": 50, "available": 50}

    events = platform.events(ana, run["id"])
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "run.finished"
    finished = {e["step"] for e in events if e["type"] == "step.finished"}
    assert finished == {"architect", "backend", "frontend", "devops", "tester", "security"}

    done = platform.wait_run(ana, run["id"])
    assert done["status"] == "succeeded" and done["summary"]["tests_failed"] == 0
    spent = {"granted": 100, "spent": 50, "held": 0, "available": 50}
    assert platform.credits(ana, expect=spent) == spent
