"""Deleting a project: its rows and files go, its credits history stays, and never during a run."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.platform import running, settings_for


def test_a_project_is_deleted_with_its_runs_events_and_files_but_not_while_running(tmp_path: Path) -> None:
    # Runs fail fast (no interpreter for the generated app) after the roles have committed files.
    settings = settings_for(
        tmp_path / "data", runtime_dir=tmp_path / "runtimes", sandbox_python=str(tmp_path / "no-python")
    )
    with running(settings) as platform:
        ana, bea = platform.register(), platform.register()
        created = platform.generate(ana)
        project_id, run_id = created["project"]["id"], created["run"]["id"]
        busy = platform.request("DELETE", f"/api/projects/{project_id}", ana)
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "conflict"
        assert platform.wait_run(ana, run_id, timeout=60)["status"] == "failed"
        kept = platform.generate(ana)  # another project of the same user is left alone
        platform.wait_run(ana, kept["run"]["id"], timeout=60)

        folder = platform.services.jobs.projects_root / project_id
        assert (folder / ".git").is_dir()
        # A run's status is written a moment before its hold is released: let the ledger settle first.
        deadline = time.monotonic() + 10
        while platform.credits(ana)["held"] and time.monotonic() < deadline:
            time.sleep(0.05)
        ledger = platform.request("GET", "/api/credits", ana).json()
        assert platform.request("DELETE", f"/api/projects/{project_id}", bea).status_code == 404
        assert platform.request("DELETE", f"/api/projects/{project_id}", ana, csrf=False).status_code == 403
        assert platform.request("GET", f"/api/projects/{project_id}", ana).status_code == 200

        assert platform.request("DELETE", f"/api/projects/{project_id}", ana).status_code == 204
        assert not folder.exists()
        for url in (
            f"/api/projects/{project_id}",
            f"/api/projects/{project_id}/runs",
            f"/api/projects/{project_id}/tree",
            f"/api/runs/{run_id}",
            f"/api/runs/{run_id}/events",
        ):
            assert platform.request("GET", url, ana).status_code == 404, url
        assert [p["id"] for p in platform.request("GET", "/api/projects", ana).json()["items"]] == [
            kept["project"]["id"]
        ]
        assert platform.request("GET", "/api/credits", ana).json() == ledger
        assert platform.request("DELETE", f"/api/projects/{project_id}", ana).status_code == 404
        assert (platform.services.jobs.projects_root / kept["project"]["id"] / ".git").is_dir()

    db = sqlite3.connect(tmp_path / "data" / "autocrea.db")
    for table, column, value in (
        ("projects", "id", project_id),
        ("runs", "project_id", project_id),
        ("run_events", "run_id", run_id),
    ):
        assert db.execute(f"select count(*) from {table} where {column} = ?", (value,)).fetchone() == (0,)
    assert db.execute("select count(*) from runs").fetchone() == (1,)
    db.close()
