"""Live preview: the generated app served on its own origin, never AUTOCREA's, framed only by AUTOCREA."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.platform import Account, Platform
from tests.unit.web.conftest import Library


@dataclass
class Generated:
    platform: Platform
    owner: Account
    project_id: str

    @property
    def url(self) -> str:
        return f"/api/projects/{self.project_id}/preview"

    def call(self, method: str, account: Account | None = None, **kwargs: Any) -> Any:
        return self.platform.request(method, self.url, account or self.owner, **kwargs)

    def visit(
        self, host: str, path: str = "/", account: Account | None = None, *, passed: str | None = None
    ) -> Any:
        """A request to the preview origin, as a browser would send it: with AUTOCREA's cookie, if
        any, and the preview's pass cookie, if it has one."""
        headers = {"Host": host}
        cookies = [account.cookie_headers()["Cookie"]] if account is not None else []
        if account is not None:
            headers["X-CSRF-Token"] = account.csrf
        if passed is not None:
            cookies.append(f"autocrea_preview={passed}")
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        self.platform.client.cookies.clear()
        return self.platform.client.get(path, headers=headers, follow_redirects=False)

    def enter(self, preview: dict[str, Any]) -> str:
        """Follow the owner's capability link; returns the pass cookie the preview origin set."""
        link = urlsplit(preview["open_url"])
        response = self.visit(link.netloc, f"{link.path}?{link.query}")
        assert response.status_code == 303 and response.headers["location"] == "/", response.text
        cookie = response.headers["set-cookie"]
        name, _, rest = cookie.partition("=")
        assert name == "autocrea_preview"
        return rest.split(";", 1)[0]


@pytest.fixture
def app(library: Library) -> Iterator[Generated]:
    generated = Generated(library.platform, library.owner, library.project["id"])
    yield generated
    generated.call("DELETE")  # no preview outlives its test


def test_a_preview_serves_the_generated_app_on_its_own_origin(app: Generated) -> None:
    started = app.call("POST")
    assert started.status_code == 201, started.text
    preview = started.json()
    assert preview["url"] == f"http://{preview['id']}.preview.localhost:8000/"
    assert len(preview["commit"]) == 40
    again = app.call("GET").json()
    assert {**again, "open_url": ""} == {**preview, "open_url": ""}  # a capability is minted each time
    host = urlsplit(preview["url"]).netloc

    passed = app.enter(preview)
    home = app.visit(host, passed=passed)
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert all(name in home.text for name in ("Book", "Member", "Loan"))
    assert home.headers["content-security-policy"] == "frame-ancestors http://localhost:8000"
    # The same path on AUTOCREA's own origin is AUTOCREA, not the generated app.
    assert "Loan" not in app.platform.request("GET", "/").text

    # AUTOCREA's API is not reachable on the preview origin, even with the user's session cookie.
    me = app.visit(host, "/api/auth/me", app.owner, passed=passed)
    assert app.owner.email not in me.text and "csrf" not in me.text.lower()
    assert me.headers["content-security-policy"] == "frame-ancestors http://localhost:8000"
    assert app.visit(host, "/api/projects", app.owner, passed=passed).text.find(app.project_id) == -1

    assert app.call("DELETE").status_code == 204
    gone = app.visit(host, passed=passed)
    assert gone.status_code == 404 and "Book" not in gone.text
    assert app.call("GET").status_code == 404
    assert app.call("DELETE").status_code == 404


def test_a_preview_opens_only_with_its_owners_capability(app: Generated) -> None:
    preview = app.call("POST").json()
    host = urlsplit(preview["url"]).netloc
    link = urlsplit(preview["open_url"])
    assert link.netloc == host and link.path == "/__autocrea/open" and link.query.startswith("cap=")

    # Knowing the address is not enough: the app is never reached without a pass.
    for who in (None, app.owner):
        refused = app.visit(host, "/", who)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert "Book" not in refused.text
    cap = link.query.removeprefix("cap=")
    user, expires, mac = cap.split(".")
    for forged in (
        "",
        "x",
        f"{user}.{int(expires) + 3600}.{mac}",  # a longer life
        f"{'0' * len(user)}.{expires}.{mac}",  # another user
        f"{user}.{expires}.{mac[:-2]}AA",
        cap + "." + cap,
        "a" * 5000,
    ):
        response = app.visit(host, f"/__autocrea/open?cap={forged}")
        assert response.status_code == 403 and "set-cookie" not in response.headers, forged
        assert response.json()["error"]["message"].startswith("This preview opens only for its owner")
    assert app.visit(host, "/__autocrea/open").status_code == 403

    passed = app.enter(preview)  # the control: the owner's link lets the owner in
    assert app.visit(host, passed=passed).status_code == 200
    entered = app.visit(link.netloc, f"{link.path}?{link.query}")
    attributes = {a.strip().split("=")[0].lower() for a in entered.headers["set-cookie"].split(";")[1:]}
    assert {"httponly", "secure", "partitioned", "samesite", "path", "max-age"} <= attributes
    assert "domain" not in attributes  # host-only on the preview origin
    # A pass is for its own preview only, and it is never handed to the app.
    other_host = "0123456789abcdef.preview.localhost:8000"
    assert app.visit(other_host, passed=passed).status_code == 404
    assert app.visit(host, passed=passed[:-3] + "AAA").status_code == 403
    assert app.call("DELETE").status_code == 204


def test_an_unknown_preview_host_is_404(app: Generated) -> None:
    for host in ("0123456789abcdef.preview.localhost:8000", "0123456789abcdef.preview.localhost"):
        response = app.visit(host)
        assert response.status_code == 404 and "not running" in response.text


def test_other_users_cannot_start_stop_or_see_a_preview(app: Generated) -> None:
    bea = app.platform.register()
    assert app.call("POST", bea).status_code == 404
    assert app.call("GET").status_code == 404  # Bea's attempt started nothing
    preview = app.call("POST").json()
    try:
        for method in ("GET", "DELETE", "POST"):
            response = app.call(method, bea)
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        assert app.call("GET").json()["id"] == preview["id"]
        anonymous = app.platform.request("GET", app.url)
        assert anonymous.status_code == 401
    finally:
        assert app.call("DELETE").status_code == 204


def test_a_preview_of_an_older_commit_and_of_a_commit_with_no_app(app: Generated) -> None:
    history = app.platform.request("GET", f"/api/projects/{app.project_id}/commits", app.owner).json()
    architect = history[-1]["sha"]
    refused = app.call("POST", json={"ref": architect})
    assert refused.status_code == 409 and "runnable" in refused.json()["error"]["message"]
    unknown = app.call("POST", json={"ref": "deadbeef"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert app.call("GET").status_code == 404


def test_a_slow_app_booting_does_not_hold_up_other_projects_previews(app: Generated) -> None:
    platform = app.platform
    owner = platform.register()  # another user's project: the shared library's owner runs nothing new
    created = platform.generate(owner, "a recipe book with recipes and ingredients")
    assert platform.wait_run(owner, created["run"]["id"])["status"] == "succeeded"
    slow = Generated(platform, owner, created["project"]["id"])
    main = platform.request("GET", f"/api/projects/{slow.project_id}/files/app/main.py", owner).json()
    saved = platform.request(
        "PUT",
        f"/api/projects/{slow.project_id}/files/app/main.py",
        owner,
        json={
            "content": main["content"] + "\nimport time\n\ntime.sleep(8)  # a slow start\n",
            "base": main["commit"],
        },
    )
    assert saved.status_code == 200, saved.text
    finished: list[str] = []

    def start_slow() -> None:
        response = slow.call("POST")
        detail = "" if response.status_code == 201 else f" {response.text[:300]}"
        finished.append(f"slow {response.status_code}{detail}")

    booting = threading.Thread(target=start_slow)
    booting.start()
    try:
        time.sleep(1)  # the slow app is booting now
        quick = app.call("POST")
        finished.append(f"quick {quick.status_code}")
        booting.join(timeout=60)
        assert finished == ["quick 201", "slow 201"]
    finally:
        booting.join(timeout=60)
        slow.call("DELETE")
