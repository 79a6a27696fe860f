"""The preview's data lives with the preview, per project, outside the code: the app starts with its
sample records, and the records added in it survive a restart, a change (the new field comes in
empty) and an Undo; the tester's and the security scan's runs never touch it; Reset starts it again
from the sample records alone; its size is capped; deleting the project removes it.
Real platform, real worker, real bubblewrap sandbox."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.platform import Account, Platform, running, settings_for

LIBRARY = "Biblioteca con libros y socios"
EDITORIAL = "añade un campo editorial a los libros"
CAP_MB = 1


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[Platform]:
    data = tmp_path_factory.mktemp("preview-data")
    with running(settings_for(data, runtime_dir=runtime_root, preview_data_mb=CAP_MB)) as served:
        yield served


@dataclass
class Project:
    platform: Platform
    owner: Account
    id: str

    def call(self, method: str, suffix: str = "", **kwargs: Any) -> Any:
        return self.platform.request(method, f"/api/projects/{self.id}{suffix}", self.owner, **kwargs)

    @property
    def data(self) -> Path:
        return self.platform.settings.preview_data_path / self.id

    def start(self) -> dict[str, Any]:
        started = self.call("POST", "/preview", json={})
        assert started.status_code == 201, started.text
        preview: dict[str, Any] = started.json()
        return preview

    def app(self, preview: dict[str, Any], method: str, path: str, **kwargs: Any) -> Any:
        """A request to the running app through the preview origin, as its owner (capability, then pass)."""
        client = self.platform.client
        client.cookies.clear()
        link = urlsplit(preview["open_url"])
        entered = client.get(
            f"{link.path}?{link.query}", headers={"Host": link.netloc}, follow_redirects=False
        )
        assert entered.status_code == 303, entered.text
        passed = entered.headers["set-cookie"].split(";", 1)[0]
        client.cookies.clear()
        headers = {"Host": link.netloc, "Cookie": passed}
        return client.request(method, path, headers=headers, follow_redirects=False, **kwargs)

    def books(self, preview: dict[str, Any]) -> list[dict[str, Any]]:
        listed = self.app(preview, "GET", "/api/books")
        assert listed.status_code == 200, listed.text
        body = listed.json()
        items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
        return items

    def add_book(self, preview: dict[str, Any], title: str) -> None:
        added = self.app(preview, "POST", "/api/books", json={"title": title})
        assert added.status_code == 201, added.text

    def change(self, request: str) -> dict[str, Any]:
        asked = self.call("POST", "/changes", json={"request": request})
        assert asked.status_code in (201, 202), asked.text
        done = self.platform.wait_run(self.owner, asked.json()["run"]["id"])
        assert done["status"] == "succeeded", done
        return done

    def wait_preview_at(self, commit: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.call("GET", "/preview")
            if found.status_code == 200 and found.json()["commit"] == commit:
                preview: dict[str, Any] = found.json()
                return preview
            assert time.monotonic() < deadline, f"the preview did not come up at {commit}: {found.text}"
            time.sleep(0.2)


@pytest.fixture
def project(platform: Platform) -> Iterator[Project]:
    owner = platform.register()
    created = platform.generate(owner, LIBRARY)
    done = platform.wait_run(owner, created["run"]["id"])
    assert done["status"] == "succeeded", done
    made = Project(platform, owner, created["project"]["id"])
    yield made
    made.call("DELETE", "/preview")  # no preview outlives its test


def snapshot(path: Path) -> dict[str, tuple[int, str]]:
    """Each file's modification time and content hash."""
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(path.iterdir())
    }


def titles(books: list[dict[str, Any]]) -> list[str]:
    return sorted(book["title"] for book in books)


def test_records_survive_a_restart_a_change_and_an_undo_and_reset_brings_back_the_samples(
    project: Project,
) -> None:
    preview = project.start()
    samples = titles(project.books(preview))
    assert samples and "Rayuela" not in samples  # a new app starts with its sample records
    project.add_book(preview, "Rayuela")
    project.add_book(preview, "Ficciones")
    kept = sorted([*samples, "Ficciones", "Rayuela"])
    assert (project.data / "app.db").is_file()  # beside the code, never in it
    assert not list(project.platform.settings.projects_path.glob(f"{project.id}/**/app.db"))

    restarted = project.start()  # "Restart app": a new app, the same data
    assert restarted["id"] != preview["id"]
    assert titles(project.books(restarted)) == kept  # and no second set of samples

    done = project.change(EDITORIAL)  # the running preview restarts at the new version by itself
    changed = project.wait_preview_at(done["commit"])
    books = project.books(changed)
    assert titles(books) == kept
    assert all("editorial" in book and book["editorial"] is None for book in books)  # new, empty

    undone = project.call("POST", "/undo")
    assert undone.status_code == 200, undone.text
    back = project.wait_preview_at(undone.json()["commit"])
    assert titles(project.books(back)) == kept

    reset = project.call("DELETE", "/preview/data")
    assert reset.status_code == 204, reset.text
    fresh = project.call("GET", "/preview").json()  # running again, on fresh data, same version
    assert fresh["id"] != back["id"] and fresh["commit"] == back["commit"]
    assert titles(project.books(fresh)) == samples  # the sample records alone


def test_verification_never_touches_the_data_and_a_fresh_start_at_a_new_version_opens_it(
    project: Project,
) -> None:
    preview = project.start()
    samples = len(project.books(preview))
    project.add_book(preview, "Rayuela")
    assert project.call("DELETE", "/preview").status_code == 204
    before = snapshot(project.data)

    done = project.change(EDITORIAL)  # the tester and the security scan run the app, on their own data
    assert done["status"] == "succeeded"
    assert snapshot(project.data) == before

    started = project.start()
    assert started["commit"] == done["commit"]
    books = project.books(started)
    assert len(books) == samples + 1 and "Rayuela" in titles(books)
    assert all(book["editorial"] is None for book in books)  # the new field, empty in the rows kept
    project.add_book(started, "Ficciones")
    with sqlite3.connect(f"file:{project.data / 'app.db'}?mode=ro", uri=True) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(books)")]
        rows = db.execute("SELECT title, editorial FROM books ORDER BY id").fetchall()
    assert "editorial" in columns
    assert len(rows) == samples + 2 and rows[-2:] == [("Rayuela", None), ("Ficciones", None)]


def test_data_past_the_cap_stops_the_preview_until_it_is_reset(project: Project) -> None:
    preview = project.start()
    samples = titles(project.books(preview))
    project.add_book(preview, "Rayuela")
    # The app's data grows past the cap (here the host writes it: the rlimit stops the app's own
    # files at the cap, not how many it writes): the preview is stopped within seconds.
    (project.data / "grown.bin").write_bytes(b"x" * (CAP_MB * 2**20 + 1))
    deadline = time.monotonic() + 20
    while (stopped := project.call("GET", "/preview")).status_code == 200:
        assert time.monotonic() < deadline, "the preview kept running past its data cap"
        time.sleep(0.2)
    assert stopped.status_code == 404 and f"over its {CAP_MB} MB limit" in stopped.text
    refused = project.call("POST", "/preview", json={})
    assert refused.status_code == 409 and "reset its data" in refused.text

    assert project.call("DELETE", "/preview/data").status_code == 204
    assert list(project.data.iterdir()) == []
    assert titles(project.books(project.start())) == samples  # the sample records alone


def test_deleting_the_project_removes_its_preview_data(project: Project) -> None:
    preview = project.start()
    project.add_book(preview, "Rayuela")
    assert project.data.is_dir()
    assert project.call("DELETE").status_code == 204
    assert not project.data.exists()
    assert project.data.parent.is_dir()  # other projects' data stays
