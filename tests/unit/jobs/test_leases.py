"""Runs leased in the database: a dead worker's runs are reaped, a stop fails its runs, no run twice.

The platform's own services are driven through the TestClient's event loop (its portal), so the
leases, workers and reaper here are the real ones, on the real database the API reads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import sqlite3
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from autocrea.domain.run import RunStatus
from autocrea.jobs.reaper import close_abandoned
from autocrea.jobs.worker import Worker
from autocrea.storage.runs import get_run, last_seq, lease_next
from autocrea.storage.tables import Run
from tests.platform import Account, Platform, running, settings_for

T = TypeVar("T")


def call(platform: Platform, func: Callable[..., Coroutine[Any, Any, T]], /, **kwargs: Any) -> T:
    """Run a coroutine function on the platform's event loop (where its database engine lives)."""
    portal = platform.client.portal
    assert portal is not None
    result: T = portal.call(functools.partial(func, **kwargs))
    return result


FULL = {"granted": 100, "spent": 0, "held": 0, "available": 100}


def wait_for(check: Callable[[], bool], *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_run_whose_worker_died_is_failed_by_another_workers_reaper(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running(settings_for(data), run_worker=False) as first:
        ana = first.register()
        run_id = first.generate(ana)["run"]["id"]
        # A worker takes the run and dies at once: its 1 s lease is never renewed.
        leased = call(
            first,
            lease_next,
            sessions=first.services.sessions,
            worker_id="w-dead",
            lease=timedelta(seconds=1),
        )
        assert leased is not None and leased.id == run_id
        assert first.request("GET", f"/api/runs/{run_id}", ana).json()["status"] == "running"
        # Before the lease expires, a reaper leaves the run alone.
        reaper = Worker(dataclasses.replace(first.services.jobs, worker_id="w-reaper"), concurrency=1)
        assert call(first, reaper.reap) == 0
        time.sleep(1.1)
        assert call(first, reaper.reap) == 1
        assert call(first, reaper.reap) == 0  # closed once
        run = first.request("GET", f"/api/runs/{run_id}", ana).json()
        assert run["status"] == "failed" and "credits were returned" in run["error"]
        assert first.credits(ana) == FULL
        events = first.events(ana, run_id)
        assert [(e["id"], e["type"]) for e in events] == [(1, "run.failed")]


def test_the_running_workers_loop_reaps_an_expired_lease(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = settings_for(data, run_lease_seconds=1)
    with running(settings, run_worker=False) as first:
        ana = first.register()
        run_id = first.generate(ana)["run"]["id"]
        assert call(
            first,
            lease_next,
            sessions=first.services.sessions,
            worker_id="w-dead",
            lease=timedelta(seconds=1),
        )
    # Another server starts on the same database; its worker's reaper finds the dead lease.
    with running(settings) as second:
        wait_for(lambda: second.request("GET", f"/api/runs/{run_id}", ana).json()["status"] == "failed")
        assert second.credits(ana, expect=FULL) == FULL
        assert second.events(ana, run_id)[-1]["type"] == "run.failed"


def test_stopping_the_server_mid_run_fails_the_run_and_returns_its_credits(
    tmp_path: Path, runtime_root: Path
) -> None:
    settings = settings_for(tmp_path / "data", runtime_dir=runtime_root)
    with running(settings) as platform:
        ana = platform.register()
        run_id = platform.generate(ana, "a library with books, members and loans")["run"]["id"]
        _read_until(platform, ana, run_id, "step.started")
    # The server is down: read what it left in the database.
    db = sqlite3.connect(tmp_path / "data" / "autocrea.db")
    assert db.execute("select count(*) from runs where status in ('queued', 'running')").fetchone() == (0,)
    status, error = db.execute("select status, error from runs where id = ?", (run_id,)).fetchone()
    assert status == "failed" and "server stopped" in error
    last = db.execute("select type from run_events where run_id = ? order by seq desc", (run_id,)).fetchone()
    assert last == ("run.failed",)
    holds = db.execute("select status from credit_holds where user_id = ?", (ana.user_id,)).fetchall()
    assert holds == [("released",)]
    db.close()
    with running(settings, run_worker=False) as again:
        assert again.credits(ana) == FULL
        events = again.events(ana, run_id)
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))


@pytest.mark.parametrize("backend", ["sqlite", "postgres+redis"], indirect=True)
def test_racing_leases_take_each_run_once(backend: dict[str, object], tmp_path: Path) -> None:
    with running(settings_for(tmp_path / "data", **backend), run_worker=False) as platform:
        users = [platform.register(), platform.register()]
        queued = {platform.generate(user)["run"]["id"] for user in users for _ in range(2)}
        sessions = platform.services.sessions

        async def race() -> list[Run | None]:
            return await asyncio.gather(
                *(
                    lease_next(sessions, worker_id=f"w-{i % 2}", lease=timedelta(seconds=60))
                    for i in range(12)
                )
            )

        taken = [r.id for r in call(platform, race) if r is not None]
        assert sorted(taken) == sorted(queued)


def test_two_workers_on_postgres_never_run_the_same_run(tmp_path: Path) -> None:
    from tests.services import postgres_database, require_redis

    redis_url = require_redis()
    with postgres_database() as url:
        # Runs that fail fast (no interpreter for the generated app) still run the whole pipeline.
        settings = settings_for(
            tmp_path / "data",
            database_url=url,
            redis_url=redis_url,
            runtime_dir=tmp_path / "runtimes",
            sandbox_python=str(tmp_path / "no-python"),
        )
        with running(settings, run_worker=False) as platform:
            users = [platform.register() for _ in range(3)]
            runs = [(user, platform.generate(user)["run"]["id"]) for user in users for _ in range(2)]
            workers = [
                Worker(dataclasses.replace(platform.services.jobs, worker_id=name), concurrency=2)
                for name in ("w-a", "w-b")
            ]
            portal = platform.client.portal
            assert portal is not None
            for worker in workers:
                portal.call(worker.start)
            try:
                for user, run_id in runs:
                    assert platform.wait_run(user, run_id, timeout=120)["status"] == "failed"
            finally:
                for worker in workers:
                    call(platform, worker.stop)
            for user, run_id in runs:
                kinds = [e["type"] for e in platform.events(user, run_id)]
                assert kinds.count("run.started") == 1 and kinds.count("run.failed") == 1, kinds
                run = call(platform, get_run, sessions=platform.services.sessions, run_id=run_id)
                assert run.worker_id in ("w-a", "w-b")
            for user in users:
                assert platform.credits(user, expect=FULL) == FULL


def _read_until(platform: Platform, account: Account, run_id: str, kind: str) -> None:
    platform.client.cookies.clear()
    headers = account.cookie_headers(csrf=False)
    with platform.client.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and json.loads(line[5:])["type"] == kind:
                return
    raise AssertionError(f"the stream ended without {kind}")


def test_a_cancel_racing_a_lease_leaves_the_run_to_its_worker(tmp_path: Path) -> None:
    """The run was queued when the cancel read it, but a worker leased it before the close: the close
    must not happen (it would write a terminal event beside the worker's own events)."""
    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        ana = platform.register()
        run_id = platform.generate(ana)["run"]["id"]
        queued = call(platform, get_run, sessions=platform.services.sessions, run_id=run_id)
        leased = call(
            platform, lease_next, sessions=platform.services.sessions, worker_id="w-1", lease=timedelta(60)
        )
        assert leased is not None and leased.id == run_id
        closed = call(
            platform,
            close_abandoned,
            env=platform.services.jobs,
            run=queued,
            status=RunStatus.CANCELLED,
            error="cancelled before it started",
            was=RunStatus.QUEUED,
        )
        assert closed is False
        assert platform.request("GET", f"/api/runs/{run_id}", ana).json()["status"] == "running"
        assert call(platform, last_seq, sessions=platform.services.sessions, run_id=run_id) == 0
        # And a queued run with a cancel requested is never leased.
        other = platform.generate(ana)["run"]["id"]
        assert platform.request("POST", f"/api/runs/{other}/cancel", ana).status_code == 202
        again = call(
            platform, lease_next, sessions=platform.services.sessions, worker_id="w-2", lease=timedelta(60)
        )
        assert again is None


def test_a_change_run_whose_worker_died_leaves_the_project_where_it_started(tmp_path: Path) -> None:
    from autocrea.billing import credits
    from autocrea.storage.changes import create_change_run
    from autocrea.storage.git import ProjectRepo, role_author

    with running(settings_for(tmp_path / "data"), run_worker=False) as platform:
        ana = platform.register()
        project = platform.generate(ana)["project"]["id"]
        generation = platform.request("GET", f"/api/projects/{project}/runs", ana).json()[0]["id"]
        platform.request("POST", f"/api/runs/{generation}/cancel", ana)  # the project holds no run now
        repo = ProjectRepo.init(platform.services.jobs.projects_root / project)
        author = role_author("architect")
        base = repo.commit_files({"a.txt": "before\n"}, message="base", author=author)
        hold = call(
            platform,
            credits.place_hold,
            sessions=platform.services.sessions,
            user_id=ana.user_id,
            amount=10,
            idempotency_key="change-1",
        )
        change = call(
            platform,
            create_change_run,
            sessions=platform.services.sessions,
            user_id=ana.user_id,
            project_id=project,
            request="añade un campo",
            hold_id=hold,
            run_id="c" * 32,
            base_commit=base,
            planned={"changes": ["añadir un campo"], "files": []},
        )
        leased = call(
            platform,
            lease_next,
            sessions=platform.services.sessions,
            worker_id="w-dead",
            lease=timedelta(seconds=1),
        )
        assert leased is not None and leased.id == change.id
        # The dead worker had committed the change before it died; nothing verified it.
        repo.commit_files({"a.txt": "after\n"}, message="Change: unverified", author=role_author("change"))
        time.sleep(1.1)
        reaper = Worker(dataclasses.replace(platform.services.jobs, worker_id="w-reaper"), concurrency=1)
        assert call(platform, reaper.reap) == 1
        assert repo.head() == base and (repo.root / "a.txt").read_text() == "before\n"
        run = platform.request("GET", f"/api/runs/{change.id}", ana).json()
        assert run["status"] == "failed" and run["kind"] == "change" and run["commit"] is None
        assert platform.credits(ana)["held"] == 0
