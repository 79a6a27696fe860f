"""The event sink keeps a run's story whole when the database refuses a write for a moment."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from autocrea.domain.events import Event
from autocrea.jobs.bus import MemoryBus
from autocrea.jobs.sink import EventSink
from autocrea.storage.runs import read_events
from tests.rundb import database_with_a_run


def event(run_id: str, seq: int) -> Event:
    return Event(id=seq, run_id=run_id, type="step.log", ts=float(seq), step="tester", data={"line": seq})


async def test_events_refused_for_a_moment_are_stored_in_order_once_it_passes(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    engine, sessions, run = await database_with_a_run(path)
    sink = EventSink(sessions=sessions, bus=MemoryBus())
    sink(event(run.id, 1))  # the control: stored at once
    await asyncio.sleep(0.3)
    # The table goes away (as a database would, restarting): the next write is refused ...
    outside = sqlite3.connect(path)
    outside.execute("ALTER TABLE run_events RENAME TO run_events_away")
    outside.commit()
    for seq in (2, 3, 4):
        sink(event(run.id, seq))
    await asyncio.sleep(0.2)
    # ... and comes back before the sink has given up.
    outside.execute("ALTER TABLE run_events_away RENAME TO run_events")
    outside.commit()
    outside.close()
    assert await sink.close() is None
    stored = await read_events(sessions, run_id=run.id)
    assert [e.seq for e in stored] == [1, 2, 3, 4] and sink.last_id == 4
    await engine.dispose()
