"""The only worker is killed mid-run while the web process (with no worker of its own) keeps
serving: the web process notices the expired lease, fails the run and returns its credits within
30 s, and the run's stream ends with `run.failed`. Before, such a run stayed "running" with its
credits held until a new worker started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.platform import running, settings_for

LEASE_SECONDS = 20  # the default


def test_a_killed_worker_s_run_is_failed_and_refunded_by_the_web_process(
    tmp_path: Path, runtime_root: Path
) -> None:
    settings = settings_for(tmp_path / "data", runtime_dir=runtime_root, run_lease_seconds=LEASE_SECONDS)
    env = {
        **os.environ,
        "AUTOCREA_DATA_DIR": str(settings.data_dir),
        "AUTOCREA_DATABASE_URL": settings.database_url,
        "AUTOCREA_SECRET_KEY": settings.secret(),
        "AUTOCREA_RUNTIME_DIR": str(runtime_root),
        "AUTOCREA_RUN_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    with running(settings, run_worker=False) as platform:
        ana = platform.register()
        run = platform.generate(ana)["run"]
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "autocrea"), "worker", "--concurrency", "1"],
            env=env,
            start_new_session=True,  # its sandboxed children die with it
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                seen = platform.request("GET", f"/api/runs/{run['id']}", ana).json()
                if seen["status"] == "running":
                    break
                time.sleep(0.1)
            assert seen["status"] == "running", seen
            assert platform.credits(ana)["held"] > 0
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        killed = time.monotonic()
        done = platform.wait_run(ana, run["id"], timeout=60)
        took = time.monotonic() - killed
        print(f"closed {took:.1f} s after the worker was killed")
        assert done["status"] == "failed" and "worker" in (done["error"] or ""), done
        assert took <= 30, f"closed {took:.1f} s after the worker died"
        back = {"granted": 100, "available": 100, "held": 0, "spent": 0}
        assert platform.credits(ana, expect=back) == back
        events = platform.events(ana, run["id"], timeout=30)
        assert events[-1]["type"] == "run.failed"
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
