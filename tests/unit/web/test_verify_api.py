"""Verifying a project again after hand edits, through the API: an edit makes the evidence an older
version's (stale, named), a verify run (free, one run at a time) proves HEAD in the real sandbox and
records its evidence for that commit; a hand edit that breaks a test is reported as failing, and a
verify commits nothing but a security report whose text changed.

Each test generates its own project for a user of its own on the shared platform (conftest
`library`), whose worker runs the verify runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.platform import Account, Platform
from tests.unit.web.conftest import Library

BROKEN = "def test_broken_by_hand():\n    assert 1 + 1 == 3\n"
# A high-severity finding the scan must report (ruff S307: eval).
RISKY = "def run(text: str) -> object:\n    return eval(text)\n"


@dataclass
class Project:
    platform: Platform
    owner: Account
    id: str

    def url(self, suffix: str = "") -> str:
        return f"/api/projects/{self.id}{suffix}"

    def call(self, method: str, suffix: str, account: Account | None = None, **kwargs: Any) -> Any:
        return self.platform.request(method, self.url(suffix), account or self.owner, **kwargs)

    def get(self, suffix: str) -> Any:
        response = self.call("GET", suffix)
        assert response.status_code == 200, response.text
        return response.json()

    def state(self) -> dict[str, Any]:
        found: dict[str, Any] = self.get("/verification")
        return found

    def head(self) -> str:
        sha: str = self.get("/tree")["commit"]
        return sha

    def verify(self, **body: Any) -> Any:
        return self.call("POST", "/verify", json=body or None)

    def verified(self) -> dict[str, Any]:
        """Start a verify run and wait for it to end; returns the run as the API shows it."""
        started = self.verify()
        assert started.status_code == 202, started.text
        run: dict[str, Any] = self.platform.wait_run(self.owner, started.json()["run"]["id"])
        return run


@pytest.fixture
def project(library: Library) -> Project:
    platform = library.platform
    owner = platform.register()
    created = platform.generate(owner, "a library with books, members and loans")
    done = platform.wait_run(owner, created["run"]["id"])
    assert done["status"] == "succeeded", done
    return Project(platform, owner, created["project"]["id"])


def test_an_edit_makes_the_evidence_stale_and_a_verify_proves_the_new_head(project: Project) -> None:
    generated = project.head()
    first = project.state()
    assert first["state"] == "verified" and first["head"] == first["commit"] == generated
    assert first["run"]["kind"] == "generation" and first["run"]["commit"] == generated
    credits = project.platform.credits(project.owner)
    # A hand edit: the shown evidence is now for the version before it, and says which.
    readme = project.get("/files/README.md")["content"]
    saved = project.call("PUT", "/files/README.md", json={"content": readme + "\nEdited by hand.\n"})
    assert saved.status_code == 200, saved.text
    edited = saved.json()["commit"]
    stale = project.state()
    assert stale["state"] == "stale" and stale["head"] == edited and stale["commit"] == generated
    page = project.platform.request("GET", f"/projects/{project.id}", project.owner).text
    assert f"evidencias de {generated[:7]}" in page and 'data-state="stale"' in page
    # Verify: a run of its own kind, free, on the event stream like any run.
    started = project.verify(base=edited[:12])
    assert started.status_code == 202, started.text
    run = started.json()["run"]
    assert run["kind"] == "verify" and run["status"] == "queued" and run["base_commit"] == edited
    assert started.json()["verification"]["state"] == "verifying"
    assert project.platform.credits(project.owner)["held"] == 0
    events = project.platform.events(project.owner, run["id"])
    done = project.platform.wait_run(project.owner, run["id"])
    assert done["status"] == "succeeded", done
    steps = {e["step"]: e["data"]["status"] for e in events if e["type"] == "step.finished"}
    assert steps == {"tester": "succeeded", "security": "succeeded"}
    assert events[-1]["type"] == "run.finished"
    assert any(e["type"] == "test.result" and e["data"].get("kind") == "page" for e in events)
    # Its evidence is for the edited version, which it did not change (the report was the same).
    assert project.head() == edited == done["commit"]
    assert done["summary"]["tests_passed"] > 0 and done["summary"]["tests_failed"] == 0
    assert done["summary"]["pages_ok"] == done["summary"]["pages_probed"] > 0
    now = project.state()
    assert now["state"] == "verified" and now["commit"] == edited and now["run"]["id"] == run["id"]
    assert project.platform.credits(project.owner) == credits
    evidence = project.platform.request("GET", f"/projects/{project.id}/part/evidence", project.owner).text
    assert f'data-run="{run["id"]}"' in evidence and f"Verificación de la versión {edited[:7]}" in evidence
    # The conversation lists requests and changes, not verifications.
    thread = project.get("/changes")
    assert [m["kind"] for m in thread["messages"]] == ["generation"] and thread["active_run"] is None


def test_a_hand_edit_that_breaks_a_test_makes_verify_report_failures(project: Project) -> None:
    made = project.call("POST", "/files", json={"path": "tests/test_hand.py", "content": BROKEN})
    assert made.status_code == 201, made.text
    broken = made.json()["commit"]
    assert project.state()["state"] == "stale"
    done = project.verified()
    assert done["status"] == "failed" and "tests" in (done["error"] or ""), done
    assert done["summary"]["tests_failed"] == 1 and done["summary"]["tests_passed"] > 0
    # Recorded honestly: the failing evidence is for this version, and nothing was committed.
    assert project.head() == broken == done["commit"]
    state = project.state()
    assert state["state"] == "failing" and state["commit"] == broken and state["run"]["id"] == done["id"]
    events = project.platform.events(project.owner, done["id"])
    failed = [e for e in events if e["type"] == "test.result" and e["data"].get("outcome") == "failed"]
    assert [e["data"]["name"] for e in failed] == ["tests/test_hand.py::test_broken_by_hand"]
    # The scan ran beside the tests, so the evidence is whole.
    steps = {e["step"]: e["data"]["status"] for e in events if e["type"] == "step.finished"}
    assert steps == {"tester": "failed", "security": "succeeded"}
    page = project.platform.request("GET", f"/projects/{project.id}", project.owner).text
    assert 'data-state="failing"' in page and "No verificada" in page
    # Fixing it by hand and verifying again makes it verified.
    assert project.call("DELETE", "/files/tests/test_hand.py").status_code == 200
    assert project.verified()["status"] == "succeeded"
    assert project.state()["state"] == "verified"


def test_a_verify_commits_only_a_security_report_that_changed(project: Project) -> None:
    made = project.call("POST", "/files", json={"path": "app/risky.py", "content": RISKY})
    assert made.status_code == 201, made.text
    before = made.json()["commit"]
    done = project.verified()
    assert done["status"] == "failed" and "high-severity" in (done["error"] or ""), done
    commits = project.get("/commits?limit=2")
    assert commits[1]["sha"] == before and commits[0]["role"] == "security"
    assert commits[0]["sha"] == done["commit"] == project.head()
    report = project.get("/files/SECURITY.md")["content"]
    assert "S307" in report and "app/risky.py" in report
    assert project.state()["state"] == "failing"
    # The same version verified again makes no new commit.
    assert project.verified()["commit"] == done["commit"] == project.head()


def test_one_run_at_a_time_and_a_restore_is_stale_until_verified(project: Project) -> None:
    generated = project.head()
    assert (
        project.call("POST", "/files", json={"path": "notes.md", "content": "# notes\n"}).status_code == 201
    )
    started = project.verify()
    assert started.status_code == 202, started.text
    run = started.json()["run"]["id"]
    try:
        again = project.verify()
        assert again.status_code == 409 and again.json()["error"]["details"] == {"project_id": project.id}
        assert "already running" in again.json()["error"]["message"]
        assert (
            project.call(
                "POST", "/changes", json={"request": "añade un campo editorial a los libros"}
            ).status_code
            == 409
        )
        assert project.call("PUT", "/files/notes.md", json={"content": "x\n"}).status_code == 409
        assert project.call("POST", "/files", json={"path": "other.md"}).status_code == 409
        assert project.call("DELETE", "/files/notes.md").status_code == 409
    finally:
        assert project.platform.wait_run(project.owner, run)["status"] == "succeeded"
    # A restore to another version is unverified; back to the verified files is verified again,
    # with no run (the same files are the same evidence).
    restored = project.call("POST", "/restore", json={"commit": generated})
    assert restored.status_code == 200, restored.text
    assert project.state()["state"] == "stale"
    stale_base = project.verify(base=generated)
    assert stale_base.status_code == 409 and stale_base.json()["error"]["details"]["head"] == project.head()
    proved = project.platform.request("GET", f"/api/runs/{run}", project.owner).json()["commit"]
    assert project.call("POST", "/restore", json={"commit": proved}).status_code == 200
    assert project.state()["state"] == "verified" and project.state()["commit"] == proved != project.head()


def test_another_user_gets_404_and_nobody_gets_401(project: Project) -> None:
    bea = project.platform.register()
    for method, suffix in (("GET", "/verification"), ("POST", "/verify")):
        theirs = project.call(method, suffix, bea)
        assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "not_found"
        nobody = project.platform.request(method, project.url(suffix))
        assert nobody.status_code == 401 and nobody.json()["error"]["code"] == "unauthorized"
    assert project.state()["active_run"] is None
