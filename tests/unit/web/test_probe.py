"""Idle event streams of one run share one database check per interval."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import event

from autocrea.storage.runs import append_events
from autocrea.storage.tables import utcnow
from autocrea.web.probe import RunProbe
from tests.rundb import database_with_a_run


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_concurrent_streams_share_one_check_until_it_is_stale(tmp_path: Path) -> None:
    engine, sessions, run = await database_with_a_run(tmp_path / "db.sqlite")
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    clock = Clock()
    probe = RunProbe(sessions, max_age=1.0, clock=clock)

    answers = await asyncio.gather(*(probe.state(run.id) for _ in range(200)))
    assert set(answers) == {(0, "queued")}
    asked = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    assert asked == 2  # newest event id and status: once for all 200 streams

    await append_events(
        sessions,
        events=[
            {
                "run_id": run.id,
                "seq": 1,
                "type": "run.started",
                "step": None,
                "data": {},
                "created_at": utcnow(),
            }
        ],
    )
    assert await probe.state(run.id) == (0, "queued")  # still fresh: no new question
    clock.now += 1.5
    assert await probe.state(run.id) == (1, "queued")
    await engine.dispose()
